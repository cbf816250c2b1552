{#- A YYYY-MM var (e.g. baseline_month) as a DATE literal. -#}
{% macro month_var(name, default=none) -%}
    {%- set value = var(name, default) -%}
    {%- if value is none or value == '' -%}
        null::date
    {%- else -%}
        cast('{{ value }}-01' as date)
    {%- endif -%}
{%- endmacro %}
