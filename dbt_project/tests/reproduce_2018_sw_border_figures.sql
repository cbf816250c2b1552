{{ config(tags=['reproduction']) }}
-- The marts built from the bundled sample must reproduce what TRAC and CBP published for the five
-- southwest border districts in 2018 (orchestration/published/trac_published_figures.csv, with its sources):
--   non-immigration prosecutions 1,093 (March) -> 703 (June), -35.7%; share about 0.14 ("one in seven")
--   -> 0.06 ("one in seventeen"); CBP-referred 6,368 -> 11,086 (+74.1%); Border Patrol apprehensions
--   37,390 -> 34,089, higher in March than June (OHSS rounds each of the nine sectors to 10, so their
--   sum may be off by up to 45: within 50).
-- Returns one row per figure that is missing or off. It applies when the warehouse holds both months
-- (a build of other months, e.g. one backfilled partition on an empty warehouse, has nothing to
-- reproduce) and when the baseline is March 2018 (an analyst's other baseline changes every change).
with sw as (
    select * from {{ ref('fct_displacement_district_month') }} where geography = 'SW_BORDER'
),

march as (select * from sw where month = date '2018-03-01'),
june as (select * from sw where month = date '2018-06-01'),

checks as (
    select 'non-immigration March 2018 = 1093' as figure, cast((select non_immigration_prosecutions from march) as varchar) as actual,
           coalesce((select non_immigration_prosecutions from march) = 1093, false) as ok
    union all
    select 'non-immigration June 2018 = 703', cast((select non_immigration_prosecutions from june) as varchar),
           coalesce((select non_immigration_prosecutions from june) = 703, false)
    union all
    select 'non-immigration share March 2018 = 0.14 +- 0.01', cast((select non_immigration_share from march) as varchar),
           coalesce(abs((select non_immigration_share from march) - 0.14) <= 0.01, false)
    union all
    select 'non-immigration share June 2018 = 0.06 +- 0.01', cast((select non_immigration_share from june) as varchar),
           coalesce(abs((select non_immigration_share from june) - 0.06) <= 0.01, false)
    union all
    select 'non-immigration change June vs March = -0.357 +- 0.001', cast((select pct_change_vs_baseline_non_immigration from june) as varchar),
           coalesce(abs((select pct_change_vs_baseline_non_immigration from june) + 0.357) <= 0.001, false)
    union all
    select 'CBP-referred March 2018 = 6368', cast((select cbp_referred_prosecutions from march) as varchar),
           coalesce((select cbp_referred_prosecutions from march) = 6368, false)
    union all
    select 'CBP-referred June 2018 = 11086', cast((select cbp_referred_prosecutions from june) as varchar),
           coalesce((select cbp_referred_prosecutions from june) = 11086, false)
    union all
    select 'CBP-referred change June vs March = +0.741 +- 0.001', cast((select pct_change_vs_baseline_cbp_referred from june) as varchar),
           coalesce(abs((select pct_change_vs_baseline_cbp_referred from june) - 0.741) <= 0.001, false)
    union all
    select 'Border Patrol apprehensions March 2018 = 37390 +- 50', cast((select bp_apprehensions from march) as varchar),
           coalesce(abs((select bp_apprehensions from march) - 37390) <= 50, false)
    union all
    select 'Border Patrol apprehensions June 2018 = 34089 +- 50', cast((select bp_apprehensions from june) as varchar),
           coalesce(abs((select bp_apprehensions from june) - 34089) <= 50, false)
    union all
    select 'Border Patrol apprehensions higher in March than June 2018',
           cast((select bp_apprehensions from march) as varchar) || ' vs ' || cast((select bp_apprehensions from june) as varchar),
           coalesce((select bp_apprehensions from march) > (select bp_apprehensions from june), false)
)

select figure, actual
from checks
where not ok
  and exists (select 1 from march)
  and exists (select 1 from june)
  and '{{ var("baseline_month") }}' = '2018-03'
