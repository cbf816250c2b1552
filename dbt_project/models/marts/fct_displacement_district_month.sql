-- The displacement metrics (defined column by column in _marts.yml), one row per geography x month. Every metric
-- is computed on the full monthly series of its geography (windows are calendar ranges, so a missing
-- month shortens a window instead of shifting it).
{%- set baseline = month_var('baseline_month', '2018-03') %}
{%- set window_months = var('counterfactual_months', 12) | int %}
{%- set trend_months = var('trend_months', 24) | int %}
{%- set policy_start = month_var('policy_start', '2018-04') %}
{%- set policy_end = month_var('policy_end', '2019-03') %}
{{- check_policy_window() }}
{#- the three counterfactuals: the column suffix of expected_*, missing_* and cumulative_missing_* #}
{%- set counterfactuals = ['', '_year_ago', '_trend'] %}

with base as (
    select * from {{ ref('int_displacement__base') }}
),

baseline as (
    select
        geography,
        immigration_prosecutions as b_immigration,
        non_immigration_prosecutions as b_non_immigration,
        total_prosecutions as b_total,
        cbp_referred_prosecutions as b_cbp_referred,
        bp_apprehensions as b_bp_apprehensions,
        is_modelled as b_is_modelled
    from base
    where month = {{ baseline }}
),

-- The counterfactual: mean monthly non-immigration prosecutions over the counterfactual_months months
-- before the baseline; NULL unless every one of those months has a figure.
counterfactual as (
    select
        geography,
        case when count(non_immigration_prosecutions) = {{ window_months }}
             then avg(non_immigration_prosecutions) end as expected_non_immigration,
        bool_or(is_modelled) as c_is_modelled
    from base
    where month >= {{ baseline }} - interval {{ window_months }} month
      and month < {{ baseline }}
    group by geography
),

-- The trend-with-seasonality counterfactual: ordinary least squares of non-immigration prosecutions on a
-- linear trend (t = months from the baseline) plus one effect per month of the year, fitted on the months
-- with a figure among the trend_months months before the baseline. With month-of-year effects the slope is
-- the within-month-of-year slope (Frisch-Waugh-Lovell): regress y - mean_k(y) on t - mean_k(t), k the
-- month of the year; each month's effect is then mean_k(y) - slope * mean_k(t), so the fitted value of a
-- month m of month-of-year k is mean_k(y) + slope * (t(m) - mean_k(t)).
trend_points as (
    select
        geography,
        month(month) as month_of_year,
        cast(datediff('month', {{ baseline }}, month) as double) as t,
        cast(non_immigration_prosecutions as double) as y,
        is_modelled
    from base
    where month >= {{ baseline }} - interval {{ trend_months }} month
      and month < {{ baseline }}
      and non_immigration_prosecutions is not null
),

trend_seasons as (
    select geography, month_of_year, avg(t) as mean_t, avg(y) as mean_y
    from trend_points
    group by geography, month_of_year
),

-- NULL unless the fit has every month of the year (each needs its effect) and some month of the year twice
-- (else every demeaned t is 0, the slope is not identified and regr_slope would give NaN)
trend_fit as (
    select
        p.geography,
        case when count(distinct p.month_of_year) = 12 and count(*) > 12
             then regr_slope(p.y - s.mean_y, p.t - s.mean_t) end as slope,
        bool_or(p.is_modelled) as trend_is_modelled
    from trend_points as p
    inner join trend_seasons as s on s.geography = p.geography and s.month_of_year = p.month_of_year
    group by p.geography
),

windowed as (
    select
        base.*,
        -- trailing six-month means, NULL unless all six months have a figure
        case when count(immigration_prosecutions) over trailing6 = 6
             then avg(immigration_prosecutions) over trailing6 end as ma6_immigration,
        case when count(non_immigration_prosecutions) over trailing6 = 6
             then avg(non_immigration_prosecutions) over trailing6 end as ma6_non_immigration,
        max(immigration_prosecutions) over year_ago as immigration_year_ago,
        max(non_immigration_prosecutions) over year_ago as non_immigration_year_ago,
        -- conservative: any modelled input in the 66 months the longest window (ma6 five years ago) reads
        bool_or(is_modelled) over (
            partition by geography order by month range between interval 65 month preceding and current row
        ) as window_is_modelled
    from base
    window
        year_ago as (partition by geography order by month range between interval 12 month preceding and interval 12 month preceding),
        trailing6 as (partition by geography order by month range between interval 5 month preceding and current row)
),

with_ma_lags as (
    select
        windowed.*,
        max(ma6_immigration) over (
            partition by geography order by month range between interval 12 month preceding and interval 12 month preceding
        ) as ma6_immigration_year_ago,
        max(ma6_immigration) over (
            partition by geography order by month range between interval 60 month preceding and interval 60 month preceding
        ) as ma6_immigration_5yr_ago
    from windowed
),

metrics as (
    select
        m.geography,
        m.geography_type,
        m.month,
        {{ baseline }} as baseline_month,
        m.immigration_prosecutions,
        m.non_immigration_prosecutions,
        m.total_prosecutions,
        m.cbp_referred_prosecutions,
        m.bp_apprehensions,
        m.bp_apprehensions_is_allocated,
        m.ofo_inadmissibles,
        {{ safe_ratio('m.non_immigration_prosecutions', 'm.total_prosecutions') }} as non_immigration_share,
        {{ pct_change('m.immigration_prosecutions', 'b.b_immigration') }} as pct_change_vs_baseline_immigration,
        {{ pct_change('m.non_immigration_prosecutions', 'b.b_non_immigration') }} as pct_change_vs_baseline_non_immigration,
        {{ pct_change('m.total_prosecutions', 'b.b_total') }} as pct_change_vs_baseline_total,
        {{ pct_change('m.cbp_referred_prosecutions', 'b.b_cbp_referred') }} as pct_change_vs_baseline_cbp_referred,
        {{ pct_change('m.bp_apprehensions', 'b.b_bp_apprehensions') }} as pct_change_vs_baseline_bp_apprehensions,
        {{ pct_change('m.immigration_prosecutions', 'm.immigration_year_ago') }} as yoy_pct_change_immigration,
        {{ pct_change('m.non_immigration_prosecutions', 'm.non_immigration_year_ago') }} as yoy_pct_change_non_immigration,
        m.ma6_immigration,
        m.ma6_non_immigration,
        {{ pct_change('m.ma6_immigration', 'm.ma6_immigration_year_ago') }} as ma6_yoy_pct_change_immigration,
        {{ pct_change('m.ma6_immigration', 'm.ma6_immigration_5yr_ago') }} as ma6_5yr_pct_change_immigration,
        case when m.immigration_prosecutions - b.b_immigration > 0
             then -1.0 * (m.non_immigration_prosecutions - b.b_non_immigration)
                  / (m.immigration_prosecutions - b.b_immigration)
        end as displacement_ratio,
        {{ policy_start }} as policy_start,
        {{ policy_end }} as policy_end,
        c.expected_non_immigration,
        m.non_immigration_year_ago as expected_non_immigration_year_ago,
        s.mean_y + t.slope * (datediff('month', {{ baseline }}, m.month) - s.mean_t) as expected_non_immigration_trend,
        {{ safe_ratio('m.cbp_referred_prosecutions', 'm.bp_apprehensions') }} as prosecutions_per_apprehension,
        m.districts_covered,
        m.prosecutions_is_modelled,
        m.bp_apprehensions_is_modelled,
        m.immigration_prosecutions_basis,
        m.non_immigration_prosecutions_basis,
        m.total_prosecutions_basis,
        m.cbp_referred_prosecutions_basis,
        m.bp_apprehensions_basis,
        m.non_immigration_prosecutions_districts_sum,
        m.non_immigration_prosecutions_residual,
        m.cbp_referred_prosecutions_districts_sum,
        m.cbp_referred_prosecutions_residual,
        m.is_modelled
            or coalesce(m.window_is_modelled, false)
            or coalesce(b.b_is_modelled, false)
            or coalesce(c.c_is_modelled, false)
            or coalesce(t.trend_is_modelled, false) as is_modelled,
        m.is_provisional,
        m.release_ids
    from with_ma_lags as m
    left join baseline as b on b.geography = m.geography
    left join counterfactual as c on c.geography = m.geography
    left join trend_fit as t on t.geography = m.geography
    left join trend_seasons as s on s.geography = m.geography and s.month_of_year = month(m.month)
),

-- prosecutions missing against each counterfactual, counted over the policy window only: before it the
-- difference is the counterfactual's own residual, after it no longer the policy's doing
missing as (
    select
        metrics.*,
        {%- for cf in counterfactuals %}
        case when month between policy_start and policy_end
             then expected_non_immigration{{ cf }} - non_immigration_prosecutions end as missing_non_immigration{{ cf }},
        {%- endfor %}
        month between policy_start and policy_end as in_window
    from metrics
),

cumulative as (
    select
        missing.* exclude (in_window),
        {%- for cf in counterfactuals %}
        -- running sum of missing_non_immigration{{ cf }} over the policy window; NULL outside it and from
        -- the first month in it whose missing figure is NULL
        case when in_window
              and count(*) filter (where in_window and missing_non_immigration{{ cf }} is null) over running = 0
             then sum(missing_non_immigration{{ cf }}) filter (where in_window) over running
        end as cumulative_missing_non_immigration{{ cf }}{{ ',' if not loop.last }}
        {%- endfor %}
    from missing
    window running as (partition by geography order by month rows between unbounded preceding and current row)
),

non_border as (
    select month, pct_change_vs_baseline_non_immigration as non_border_change, is_modelled as non_border_is_modelled
    from cumulative
    where geography = 'NON_BORDER'
)

select
    cast(c.geography as varchar) as geography,
    cast(c.geography_type as varchar) as geography_type,
    cast(c.month as date) as month,
    cast(c.baseline_month as date) as baseline_month,
    cast(c.immigration_prosecutions as bigint) as immigration_prosecutions,
    cast(c.non_immigration_prosecutions as bigint) as non_immigration_prosecutions,
    cast(c.total_prosecutions as bigint) as total_prosecutions,
    cast(c.cbp_referred_prosecutions as bigint) as cbp_referred_prosecutions,
    cast(c.bp_apprehensions as bigint) as bp_apprehensions,
    cast(c.bp_apprehensions_is_allocated as boolean) as bp_apprehensions_is_allocated,
    cast(c.ofo_inadmissibles as bigint) as ofo_inadmissibles,
    cast(c.non_immigration_share as double) as non_immigration_share,
    cast(c.pct_change_vs_baseline_immigration as double) as pct_change_vs_baseline_immigration,
    cast(c.pct_change_vs_baseline_non_immigration as double) as pct_change_vs_baseline_non_immigration,
    cast(c.pct_change_vs_baseline_total as double) as pct_change_vs_baseline_total,
    cast(c.pct_change_vs_baseline_cbp_referred as double) as pct_change_vs_baseline_cbp_referred,
    cast(c.pct_change_vs_baseline_bp_apprehensions as double) as pct_change_vs_baseline_bp_apprehensions,
    cast(c.yoy_pct_change_immigration as double) as yoy_pct_change_immigration,
    cast(c.yoy_pct_change_non_immigration as double) as yoy_pct_change_non_immigration,
    cast(c.ma6_immigration as double) as ma6_immigration,
    cast(c.ma6_non_immigration as double) as ma6_non_immigration,
    cast(c.ma6_yoy_pct_change_immigration as double) as ma6_yoy_pct_change_immigration,
    cast(c.ma6_5yr_pct_change_immigration as double) as ma6_5yr_pct_change_immigration,
    cast(c.displacement_ratio as double) as displacement_ratio,
    cast(c.policy_start as date) as policy_start,
    cast(c.policy_end as date) as policy_end,
    {%- for cf in counterfactuals %}
    cast(c.expected_non_immigration{{ cf }} as double) as expected_non_immigration{{ cf }},
    cast(c.missing_non_immigration{{ cf }} as double) as missing_non_immigration{{ cf }},
    cast(c.cumulative_missing_non_immigration{{ cf }} as double) as cumulative_missing_non_immigration{{ cf }},
    {%- endfor %}
    cast(c.prosecutions_per_apprehension as double) as prosecutions_per_apprehension,
    cast(case when c.geography not in ('NON_BORDER', 'US')
              then c.pct_change_vs_baseline_non_immigration - nb.non_border_change end as double) as border_vs_rest_gap,
    cast(c.districts_covered as integer) as districts_covered,
    cast(c.is_modelled
         or (c.geography not in ('NON_BORDER', 'US') and coalesce(nb.non_border_is_modelled, false)) as boolean) as is_modelled,
    cast(c.prosecutions_is_modelled as boolean) as prosecutions_is_modelled,
    cast(c.bp_apprehensions_is_modelled as boolean) as bp_apprehensions_is_modelled,
    cast(c.is_provisional as boolean) as is_provisional,
    cast(c.immigration_prosecutions_basis as varchar) as immigration_prosecutions_basis,
    cast(c.non_immigration_prosecutions_basis as varchar) as non_immigration_prosecutions_basis,
    cast(c.total_prosecutions_basis as varchar) as total_prosecutions_basis,
    cast(c.cbp_referred_prosecutions_basis as varchar) as cbp_referred_prosecutions_basis,
    cast(c.bp_apprehensions_basis as varchar) as bp_apprehensions_basis,
    cast(c.non_immigration_prosecutions_districts_sum as bigint) as non_immigration_prosecutions_districts_sum,
    cast(c.non_immigration_prosecutions_residual as bigint) as non_immigration_prosecutions_residual,
    cast(c.cbp_referred_prosecutions_districts_sum as bigint) as cbp_referred_prosecutions_districts_sum,
    cast(c.cbp_referred_prosecutions_residual as bigint) as cbp_referred_prosecutions_residual,
    cast(c.release_ids as varchar[]) as release_ids
from cumulative as c
left join non_border as nb on nb.month = c.month
