{#-
  The three TRAC series of one geography side by side, from rows of (series, prosecutions, is_modelled,
  release_id): the counts, whether any is modelled, and the releases they came from. Use in a select
  with `group by` the geography and month.
-#}
{% macro trac_series_columns() -%}
    max(prosecutions) filter (where series = 'immigration') as immigration_prosecutions,
    max(prosecutions) filter (where series = 'all') as total_prosecutions,
    max(prosecutions) filter (where series = 'cbp_referred') as cbp_referred_prosecutions,
    bool_or(is_modelled) filter (where series in ('immigration', 'all', 'cbp_referred')) as is_modelled,
    list(release_id) filter (where series in ('immigration', 'all', 'cbp_referred')) as release_ids
{%- endmacro %}
