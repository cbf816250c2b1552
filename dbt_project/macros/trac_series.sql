{#-
  The three TRAC series of one geography side by side, from rows of (series, prosecutions, basis,
  release_ids): the counts, each count's basis, whether any is modelled, and the releases they came from.
  Use in a select with `group by` the geography and month.
-#}
{% macro trac_series_columns() -%}
    {%- for series, column in [('immigration', 'immigration'), ('all', 'total'), ('cbp_referred', 'cbp_referred')] %}
    max(prosecutions) filter (where series = '{{ series }}') as {{ column }}_prosecutions,
    max(basis) filter (where series = '{{ series }}' and prosecutions is not null) as {{ column }}_prosecutions_basis,
    {%- endfor %}
    coalesce(bool_or(basis = 'modelled') filter (where series in ('immigration', 'all', 'cbp_referred')), false) as is_modelled,
    flatten(list(release_ids) filter (where series in ('immigration', 'all', 'cbp_referred'))) as release_ids
{%- endmacro %}
