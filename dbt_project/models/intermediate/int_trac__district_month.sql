-- One row per district x month x series wherever the warehouse has a figure or knows one is missing:
--   * immigration, all, dea_referred, dhs_imm_customs_referred: the district's row in the ranked districts
--     table of that series' national page. A district ranked in some month of a series (and every
--     southwest border district) gets a row for every month whose page is loaded; where the page does not
--     rank it, prosecutions is NULL and missing_reason says so (never zero: TRAC ranks only its top ten).
--   * non_immigration: all - immigration where the district is in both rankings (basis derived, or
--     modelled if either part is).
--   * TRAC's published figures (crowdout's curated file) for a district and month replace the bulletin's
--     figure (basis published; a real bulletin prints the same number) and add series no bulletin has
--     (cbp_referred), so marts.fct_prosecutions_district_month can rank them first.
with pages as (
    select distinct series, month from {{ ref('int_trac__table1') }}
),

rankings as (
    select * from {{ ref('int_trac__district_rankings') }} where district_code is not null
),

followed as (
    select distinct series, district_code from rankings
    union
    select pages.series, districts.district_code
    from (select distinct series from pages) as pages
    cross join {{ ref('districts') }} as districts
    where districts.is_sw_border
),

ranked as (
    select
        followed.district_code,
        pages.month,
        pages.series,
        rankings.prosecutions,
        rankings.prosecutions_basis as basis,
        'district_ranking' as source_table,
        case when rankings.prosecutions is null
             then 'not among the districts ranked on TRAC''s ' || pages.series || ' bulletin for '
                  || strftime(pages.month, '%Y-%m')
        end as missing_reason,
        case when rankings.release_id is not null then [rankings.release_id] else [] end as release_ids
    from pages
    inner join followed on followed.series = pages.series
    left join rankings
        on rankings.series = pages.series
        and rankings.month = pages.month
        and rankings.district_code = followed.district_code
),

non_immigration as (
    select
        total.district_code,
        total.month,
        'non_immigration' as series,
        total.prosecutions - imm.prosecutions as prosecutions,
        {{ combined_basis('[total.basis, imm.basis]') }} as basis,
        'derived' as source_table,
        case
            when total.prosecutions is null then total.missing_reason
            when imm.prosecutions is null then imm.missing_reason
        end as missing_reason,
        flatten([total.release_ids, imm.release_ids]) as release_ids
    from ranked as total
    inner join ranked as imm
        on imm.district_code = total.district_code and imm.month = total.month and imm.series = 'immigration'
    where total.series = 'all'
),

bulletin as (
    select * from ranked
    union all
    select * from non_immigration
),

published as (
    select
        geography as district_code,
        period_start as month,
        series,
        cast(published_value as bigint) as prosecutions,
        'published' as basis,
        'published_figures' as source_table,
        cast(null as varchar) as missing_reason,
        [release_id] as release_ids
    from {{ ref('int_trac__published_figures') }}
    where is_single_month
      and unit = 'defendants'
      and series is not null
      and geography in (select district_code from {{ ref('districts') }})
)

select bulletin.*
from bulletin
where not exists (
    select 1 from published
    where published.district_code = bulletin.district_code
      and published.month = bulletin.month
      and published.series = bulletin.series
)
union all
select * from published
