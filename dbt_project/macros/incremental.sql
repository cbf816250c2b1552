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
