{#-
  Fiscal-year arithmetic in SQL, the same rules as orchestration/sources/calendar.py:
  the federal fiscal year runs October-September, so October-December of FY2018 are in calendar 2017.
-#}

{#- 1-12 from a month label as publishers write it: 'APR', 'April', 'Sept', '06 March' (the number is
    OHSS's fiscal sort key and is ignored). NULL when the label names no month. -#}
{% macro month_number(label) -%}
    case lower(left(regexp_extract(trim({{ label }}), '[A-Za-z]+'), 3))
        when 'jan' then 1 when 'feb' then 2 when 'mar' then 3 when 'apr' then 4
        when 'may' then 5 when 'jun' then 6 when 'jul' then 7 when 'aug' then 8
        when 'sep' then 9 when 'oct' then 10 when 'nov' then 11 when 'dec' then 12
    end
{%- endmacro %}

{#- The fiscal year in '2023', 2023 or '2025 (FYTD)'. -#}
{% macro fiscal_year_number(fiscal_year) -%}
    cast(nullif(regexp_extract(cast({{ fiscal_year }} as varchar), '^\s*(\d{4})', 1), '') as integer)
{%- endmacro %}

{#- First day of the calendar month meant by (fiscal year, month label), as DATE. -#}
{% macro fiscal_month(fiscal_year, month_label) -%}
    make_date(
        {{ fiscal_year_number(fiscal_year) }} - case when {{ month_number(month_label) }} >= 10 then 1 else 0 end,
        {{ month_number(month_label) }},
        1
    )
{%- endmacro %}

{#- A YYYY-MM var (e.g. baseline_month) as a DATE literal. -#}
{% macro month_var(name, default=none) -%}
    {%- set value = var(name, default) -%}
    {%- if value is none or value == '' -%}
        null::date
    {%- else -%}
        cast('{{ value }}-01' as date)
    {%- endif -%}
{%- endmacro %}
