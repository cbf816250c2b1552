{#-
  The TRAC series of one geography side by side, from rows of (series, prosecutions, basis, release_ids):
  the counts, each count's basis, whether any is modelled, and the releases they came from. A district's
  non_immigration is all - immigration from the same two pages (int_trac__district_month), so a published
  figure that replaces one of them does not make it a difference of two different sources.
  Use in a select with `group by` the geography and month.
-#}
{% macro trac_series_columns() -%}
    {%- for series, column in [('immigration', 'immigration'), ('all', 'total'), ('non_immigration', 'non_immigration'), ('cbp_referred', 'cbp_referred')] %}
    max(prosecutions) filter (where series = '{{ series }}') as {{ column }}_prosecutions,
    max(basis) filter (where series = '{{ series }}' and prosecutions is not null) as {{ column }}_prosecutions_basis,
    {%- endfor %}
    coalesce(bool_or({{ is_modelled_basis('basis') }}) filter (where series in ('immigration', 'all', 'non_immigration', 'cbp_referred')), false) as is_modelled,
    flatten(list(release_ids) filter (where series in ('immigration', 'all', 'non_immigration', 'cbp_referred'))) as release_ids
{%- endmacro %}

{#- any_provisional: whether any of the four series' figures of a group of fct_prosecutions_district_month
    rows is provisional (the row's own is_provisional in the displacement mart). -#}
{% macro any_provisional() -%}
    coalesce(bool_or(is_provisional) filter (where series in ('immigration', 'all', 'non_immigration', 'cbp_referred')
                                             and prosecutions is not null), false) as is_provisional
{%- endmacro %}
