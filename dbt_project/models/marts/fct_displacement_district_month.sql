-- The displacement metrics of shared/reference/metrics.md, one row per geography x month. Every metric
-- is computed on the full monthly series of its geography (windows are calendar ranges, so a missing
-- month shortens a window instead of shifting it).
{%- set baseline = month_var('baseline_month', '2018-03') %}
{%- set window_months = var('counterfactual_months', 12) | int %}

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
        c.expected_non_immigration,
        -- prosecutions missing against the counterfactual count from the baseline on: before it the
        -- difference is the counterfactual window's own residual, not a loss
        case when m.month >= {{ baseline }}
             then c.expected_non_immigration - m.non_immigration_prosecutions end as missing_non_immigration,
        {{ safe_ratio('m.cbp_referred_prosecutions', 'm.bp_apprehensions') }} as prosecutions_per_apprehension,
        m.districts_covered,
        m.prosecutions_is_modelled,
        m.bp_apprehensions_is_modelled,
        m.immigration_prosecutions_basis,
        m.non_immigration_prosecutions_basis,
        m.total_prosecutions_basis,
        m.cbp_referred_prosecutions_basis,
        m.bp_apprehensions_basis,
        m.is_modelled
            or coalesce(m.window_is_modelled, false)
            or coalesce(b.b_is_modelled, false)
            or coalesce(c.c_is_modelled, false) as is_modelled,
        m.is_provisional,
        m.release_ids
    from with_ma_lags as m
    left join baseline as b on b.geography = m.geography
    left join counterfactual as c on c.geography = m.geography
),

cumulative as (
    select
        metrics.*,
        -- running sum of missing_non_immigration from the baseline month on; NULL before the baseline
        -- and from the first month after it whose missing figure is NULL
        case when month >= baseline_month
              and count(*) filter (where month >= baseline_month and missing_non_immigration is null)
                  over running = 0
             then sum(missing_non_immigration) filter (where month >= baseline_month) over running
        end as cumulative_missing_non_immigration
    from metrics
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
    cast(c.expected_non_immigration as double) as expected_non_immigration,
    cast(c.missing_non_immigration as double) as missing_non_immigration,
    cast(c.cumulative_missing_non_immigration as double) as cumulative_missing_non_immigration,
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
    cast(c.release_ids as varchar[]) as release_ids
from cumulative as c
left join non_border as nb on nb.month = c.month
