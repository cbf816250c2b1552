-- The displacement metrics per program (defined column by column in _program_marts.yml), one row per
-- geography x month x program of fct_prosecutions_by_program: the change against the baseline month, and
-- the prosecutions missing against the mean of the counterfactual_months months before it, counted over the
-- policy window, as fct_displacement_district_month computes them for non-immigration prosecutions.
{%- set baseline = month_var('baseline_month', '2018-03') %}
{%- set window_months = var('counterfactual_months', 12) | int %}
{%- set policy_start = month_var('policy_start', '2018-04') %}
{%- set policy_end = month_var('policy_end', '2019-03') %}
{{- check_policy_window() }}

with programs as (
    select * from {{ ref('fct_prosecutions_by_program') }}
),

baseline as (
    select
        geography,
        program,
        prosecutions as baseline_prosecutions,
        basis as baseline_basis
    from programs
    where month = {{ baseline }}
),

-- the counterfactual: the mean of the months before the baseline; NULL unless every one has a figure
counterfactual as (
    select
        geography,
        program,
        case when count(prosecutions) = {{ window_months }} then avg(prosecutions) end as expected_prosecutions,
        case when count(prosecutions) = {{ window_months }} then {{ combined_basis('list(basis)') }} end as expected_basis
    from programs
    where month >= {{ baseline }} - interval {{ window_months }} month
      and month < {{ baseline }}
    group by geography, program
),

metrics as (
    select
        p.geography,
        p.month,
        p.program,
        p.prosecutions,
        p.basis,
        {{ baseline }} as baseline_month,
        b.baseline_prosecutions,
        b.baseline_basis,
        {{ pct_change('p.prosecutions', 'b.baseline_prosecutions') }} as pct_change_vs_baseline,
        {{ combined_basis('[p.basis, b.baseline_basis]') }} as pct_change_vs_baseline_basis,
        c.expected_prosecutions,
        p.month between {{ policy_start }} and {{ policy_end }} as in_window,
        {{ policy_start }} as policy_start,
        {{ policy_end }} as policy_end,
        c.expected_basis,
        p.release_ids
    from programs as p
    left join baseline as b on b.geography = p.geography and b.program = p.program
    left join counterfactual as c on c.geography = p.geography and c.program = p.program
),

-- missing prosecutions only over the policy window: before it the difference is the counterfactual's own
-- residual, after it no longer the policy's doing
missing as (
    select
        metrics.*,
        case when in_window then expected_prosecutions - prosecutions end as missing_prosecutions,
        case when in_window then {{ combined_basis('[basis, expected_basis]') }} end as missing_prosecutions_basis
    from metrics
),

cumulative as (
    select
        missing.*,
        -- NULL outside the window and from the first month in it whose missing figure is NULL
        case when in_window
              and count(*) filter (where in_window and missing_prosecutions is null) over running = 0
             then sum(missing_prosecutions) filter (where in_window) over running
        end as cumulative_missing_prosecutions,
        case when in_window
             then {{ combined_basis('list(missing_prosecutions_basis) filter (where in_window) over running') }}
        end as cumulative_missing_prosecutions_basis
    from missing
    window running as (partition by geography, program order by month rows between unbounded preceding and current row)
)

-- geography to basis and release_ids come typed from fct_prosecutions_by_program's contract
select
    geography,
    month,
    program,
    prosecutions,
    basis,
    cast(baseline_month as date) as baseline_month,
    cast(baseline_prosecutions as bigint) as baseline_prosecutions,
    cast(baseline_basis as varchar) as baseline_prosecutions_basis,
    cast(pct_change_vs_baseline as double) as pct_change_vs_baseline,
    cast(pct_change_vs_baseline_basis as varchar) as pct_change_vs_baseline_basis,
    cast(expected_prosecutions as double) as expected_prosecutions,
    cast(expected_basis as varchar) as expected_prosecutions_basis,
    cast(policy_start as date) as policy_start,
    cast(policy_end as date) as policy_end,
    cast(missing_prosecutions as double) as missing_prosecutions,
    cast(missing_prosecutions_basis as varchar) as missing_prosecutions_basis,
    cast(cumulative_missing_prosecutions as double) as cumulative_missing_prosecutions,
    cast(cumulative_missing_prosecutions_basis as varchar) as cumulative_missing_prosecutions_basis,
    release_ids
from cumulative
