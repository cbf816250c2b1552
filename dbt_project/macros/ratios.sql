{#- numerator / denominator as a DOUBLE fraction; NULL when either is NULL or the denominator is 0. -#}
{% macro safe_ratio(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}

{#- (value - reference) / reference as a fraction (-0.357 = -35.7%); NULL when the reference is NULL or 0. -#}
{% macro pct_change(value, reference) -%}
    ((cast({{ value }} as double) - cast({{ reference }} as double)) / nullif(cast({{ reference }} as double), 0))
{%- endmacro %}
