-- Calendar months covered by any loaded release, with the federal fiscal calendar and the months the
-- baseline and the counterfactual use.
{%- set baseline = month_var('baseline_month', '2018-03') %}
{%- set window_months = var('counterfactual_months', 12) | int %}
select
    cast(month as date) as month,
    cast(year(month) as integer) as calendar_year,
    cast(month(month) as integer) as month_of_year,
    cast(strftime(month, '%B %Y') as varchar) as month_name,
    cast(year(month) + case when month(month) >= 10 then 1 else 0 end as integer) as fiscal_year,
    cast((month(month) + 2) % 12 + 1 as integer) as fiscal_month,
    cast(month = {{ baseline }} as boolean) as is_baseline_month,
    cast(month >= {{ baseline }} - interval {{ window_months }} month and month < {{ baseline }} as boolean) as is_counterfactual_window,
    cast(date_diff('month', {{ baseline }}, month) as integer) as months_from_baseline
from {{ ref('int_month_spine') }}
