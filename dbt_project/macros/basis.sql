{#-
  Basis per figure: 'published' (a publisher printed it), 'derived' (computed from published figures of
  other releases, e.g. a sum of districts), 'modelled' (crowdout's sample pages invented it, or it is
  computed from anything modelled), 'modelled_scaled_to_published' (a modelled district figure scaled so
  that the districts add up to a regional figure TRAC published: still modelled, but its region's total is
  TRAC's; marts.fct_prosecutions_district_month).

  figure_basis: a raw row lists its modelled cells by raw column name (`modelled_figures`, '' on real
  pages, passed through staging as is); the figure is modelled if its column is listed, else published.
  combined_basis: the basis of a figure computed from others (a list of their bases): modelled if any
  part is modelled, modelled_scaled_to_published if any part is that and none is modelled, NULL if a part
  is missing, else derived.
  is_modelled_basis: whether a basis is modelled (scaled or not): the one test every modelled flag uses.
-#}
{% macro figure_basis(list_column, figure) -%}
    case when list_contains(string_split({{ list_column }}, ','), '{{ figure }}') then 'modelled' else 'published' end
{%- endmacro %}

{% macro combined_basis(bases) -%}
    case
        when list_contains({{ bases }}, 'modelled') then 'modelled'
        when list_contains({{ bases }}, 'modelled_scaled_to_published') then 'modelled_scaled_to_published'
        when list_count({{ bases }}) < len({{ bases }}) then null
        else 'derived'
    end
{%- endmacro %}

{% macro is_modelled_basis(basis) -%}
    coalesce({{ basis }} in ('modelled', 'modelled_scaled_to_published'), false)
{%- endmacro %}

{#-
  prosecution_precedence: the rank of a prosecution figure among the sources that give one for the same
  geography, month and series (lowest wins; marts.fct_prosecutions_district_month): TRAC's published
  figures, a real NCD count (or a real sum of districts), a real TRAC bulletin figure, a modelled TRAC
  figure, a modelled sum of districts, then a row with no figure. (A modelled NCD count never reaches the
  ranking: the mart takes only a real NCD release's counts.)
-#}
{% macro prosecution_precedence() -%}
    case
        when prosecutions is null then 6
        when source_table = 'published_figures' then 1
        when source_table in ('ncd', 'sum_of_districts') and basis = 'derived' then 2
        when source_table in ('ncd', 'sum_of_districts') then 5
        when basis = 'modelled' then 4
        else 3
    end
{%- endmacro %}
