{#-
  Which months an incremental run rebuilds. On an incremental run the vars month_from / month_to
  (YYYY-MM, inclusive, each optional) limit the months written; delete+insert on month then replaces
  exactly those months. Without the vars, or on a first / full-refresh build, every month is written.
  Models compute their windows on the full upstream history first and apply this filter last.
-#}
{% macro target_months_filter(column='month') -%}
    {%- set month_from = var('month_from', none) -%}
    {%- set month_to = var('month_to', none) -%}
    {%- if is_incremental() and month_from -%}
        and {{ column }} >= cast('{{ month_from }}-01' as date)
    {%- endif %}
    {% if is_incremental() and month_to -%}
        and {{ column }} <= cast('{{ month_to }}-01' as date)
    {%- endif -%}
{%- endmacro %}

{#-
  Which months an incremental run of the displacement mart rewrites. A month's figures reach forward (six-
  month averages, year-over-year and five-year changes, the running sum of missing prosecutions read
  earlier months), and the baseline month and the counterfactual window before it reach every month. So a
  run from month_from rewrites month_from and every later month, and a run from the baseline or earlier
  rewrites them all. A new month at the end still rewrites only itself.
-#}
{% macro displacement_months_filter(column, baseline) -%}
    {%- set month_from = var('month_from', none) -%}
    {%- if is_incremental() and month_from -%}
        and ({{ column }} >= cast('{{ month_from }}-01' as date)
             or cast('{{ month_from }}-01' as date) <= {{ baseline }})
    {%- endif -%}
{%- endmacro %}
