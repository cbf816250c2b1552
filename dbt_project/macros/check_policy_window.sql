{#-
  The window of "missing" prosecutions must start after the baseline month (the counterfactuals are fitted
  before it) and must not end before it starts; a build with vars that break this is refused rather than
  publishing a window that means nothing. Called where the window is used (fct_displacement_district_month).
-#}
{% macro check_policy_window() -%}
    {%- if execute and (var('policy_start', '2018-04') <= var('baseline_month', '2018-03')
          or var('policy_end', '2019-03') < var('policy_start', '2018-04')) -%}
        {{ exceptions.raise_compiler_error("vars: policy_start must follow baseline_month, and policy_end must not precede policy_start (YYYY-MM)") }}
    {%- endif -%}
{%- endmacro %}
