-- Every figure TRAC published (crowdout's curated file) beside the warehouse's own value for the same
-- series, geography and period, and whether their agreement means anything:
--   by_construction: the warehouse's value IS the published figure (loaded as is from the curated file,
--     or read from the very bulletin page the figure was transcribed from), so the residual is zero by
--     construction and proves nothing; independent_value then gives the warehouse's value from other
--     releases where it has one (e.g. the five districts' sum), with its residual.
--   independent: the warehouse's value comes from other releases (EOUSA's National Caseload Data, a
--     bulletin's ranked districts, a sum of districts, a fiscal-year sum of months), so the residual is a
--     real check. Of the independent sources, the one marts.fct_prosecutions_district_month ranks first
--     is used: a real NCD release, then real bulletins, then modelled bulletins (every NCD count is
--     independent of TRAC: TRAC counts from the same LIONS records, but from an earlier or later
--     snapshot). A modelled NCD release (the bundled sample, a format fixture far below real volumes) is
--     not a check of anything and is left out, as the prosecutions mart leaves it out.
--   not_comparable: the warehouse keeps no such series or geography, or has no value for the period.
-- A published share (non-immigration / all, which TRAC prints as a percent) is set beside the share of the
-- warehouse's own row (the displacement mart's counts, so the same share the refresh summary and the report
-- print), converted to the published unit: a percent is compared as a percent, never with a fraction. A
-- period longer than a month is compared with the sum of its months (a fiscal year with its 12 months).
-- A value from a modelled figure is marked modelled (warehouse_basis): its residual checks the sample's
-- model, not TRAC.
with figures as (
    select * from {{ ref('int_trac__published_figures') }}
),

-- the monthly facts: districts and the nation, and SW_BORDER as the displacement mart takes it (TRAC's
-- published five-district figure where there is one, else the districts' sum); shares as fractions, from
-- the displacement mart's counts of every geography
months as (
    select district_code as geography, month, series, prosecutions, basis, source_table
    from {{ ref('fct_prosecutions_district_month') }}
    union all
    select
        'SW_BORDER' as geography,
        month,
        series,
        prosecutions,
        basis,
        case when basis = 'published' then 'published_figures' else 'sum_of_districts' end as source_table
    from {{ ref('int_displacement__base') }}
    unpivot (
        (prosecutions, basis) for series in (
            (non_immigration_prosecutions, non_immigration_prosecutions_basis) as 'non_immigration',
            (cbp_referred_prosecutions, cbp_referred_prosecutions_basis) as 'cbp_referred'
        )
    )
    where geography = 'SW_BORDER'
    union all
    select
        geography,
        month,
        'non_immigration_share' as series,
        non_immigration_prosecutions / nullif(total_prosecutions, 0) as prosecutions,
        {{ combined_basis('[non_immigration_prosecutions_basis, total_prosecutions_basis]') }} as basis,
        'ratio_of_counts' as source_table
    from {{ ref('int_displacement__base') }}
),

-- the warehouse's value from bulletins alone (never from the curated file, so also where a published figure
-- replaced a modelled one in the facts): national pages, district rankings (non_immigration = all -
-- immigration), and the five southwest border districts' sum where all five have a figure
ranked as (
    select district_code as geography, month, series, prosecutions, prosecutions_basis as basis
    from {{ ref('int_trac__district_rankings') }}
    where district_code is not null
),

bulletin_districts as (
    select * from ranked
    union all
    select
        total.geography,
        total.month,
        'non_immigration' as series,
        total.prosecutions - imm.prosecutions as prosecutions,
        {{ combined_basis('[total.basis, imm.basis]') }} as basis
    from ranked as total
    inner join ranked as imm
        on imm.geography = total.geography and imm.month = total.month and imm.series = 'immigration'
    where total.series = 'all'
),

bulletin_months as (
    select 'US' as geography, month, series, prosecutions, prosecutions_basis as basis, 'national page' as method
    from {{ ref('int_trac__table1') }}
    union all
    select geography, month, series, prosecutions, basis, 'the district''s ranking' as method
    from bulletin_districts
    union all
    select
        'SW_BORDER' as geography,
        month,
        series,
        sum(prosecutions) as prosecutions,
        {{ combined_basis('list(basis)') }} as basis,
        'sum of the five southwest border districts' as method
    from bulletin_districts
    where geography in (select district_code from {{ ref('districts') }} where is_sw_border)
    group by month, series
    having count(*) = 5
),

-- EOUSA's National Caseload Data (the release the NCD mart uses): each district, the five southwest
-- border districts' sum and the nation's (every district the release reports, zero-filled by the mart)
ncd as (
    select district_code, month, series, defendants_filed as prosecutions, basis
    from {{ ref('fct_ncd_defendants_filed_district_month') }}
    where basis = 'derived'
),

ncd_months as (
    select district_code as geography, month, series, prosecutions, basis,
        'the district''s NCD defendants filed' as method
    from ncd
    union all
    select 'SW_BORDER' as geography, month, series, sum(prosecutions) as prosecutions,
        {{ combined_basis('list(basis)') }} as basis,
        'NCD defendants filed, sum of the five southwest border districts' as method
    from ncd
    where district_code in (select district_code from {{ ref('districts') }} where is_sw_border)
    group by month, series
    having count(*) = 5
    union all
    select 'US' as geography, month, series, sum(prosecutions) as prosecutions,
        {{ combined_basis('list(basis)') }} as basis,
        'NCD defendants filed, sum of all districts' as method
    from ncd
    group by month, series
),

independent_months as (
    select 'ncd' as source, * from ncd_months
    union all
    select 'bulletins' as source, * from bulletin_months
),

independent_by_source as (
    -- per source, a single month: its value; a longer period: the sum of its months, only if all are there
    select
        figures.source_row,
        sources.source,
        case when figures.series = 'non_immigration_share'
             then 100.0 * max(non_imm.prosecutions) / nullif(max(total.prosecutions), 0)
             else sum(b.prosecutions) end as independent_value,
        case when figures.series = 'non_immigration_share'
             then {{ combined_basis('[max(non_imm.basis), max(total.basis)]') }}
             when figures.is_single_month then any_value(b.basis)
             else {{ combined_basis('list(b.basis)') }} end as independent_basis,
        case
            when figures.series = 'non_immigration_share' then 'non_immigration / all, from the bulletins'
            when figures.is_single_month then any_value(b.method)
            else 'sum of ' || count(b.month) || ' months (' || any_value(b.method) || ')'
        end as independent_method,
        case when figures.series = 'non_immigration_share'
             then figures.is_single_month and max(non_imm.prosecutions) is not null and max(total.prosecutions) > 0
             else count(b.month) = date_diff('month', figures.period_start, figures.period_end) + 1
        end as covers_period
    from figures
    cross join (values ('ncd'), ('bulletins')) as sources(source)
    left join independent_months as b
        on b.source = sources.source
        and b.geography = figures.geography
        and b.series = figures.series
        and b.month between figures.period_start and figures.period_end
        and not (figures.is_bulletin_table1 and b.geography = 'US' and b.source = 'bulletins')
    left join independent_months as non_imm
        on figures.series = 'non_immigration_share' and figures.is_single_month
        and non_imm.source = sources.source
        and non_imm.geography = figures.geography and non_imm.month = figures.period_start
        and non_imm.series = 'non_immigration'
    left join independent_months as total
        on figures.series = 'non_immigration_share' and figures.is_single_month
        and total.source = sources.source
        and total.geography = figures.geography and total.month = figures.period_start
        and total.series = 'all'
    group by figures.source_row, sources.source, figures.series, figures.is_single_month, figures.period_start,
        figures.period_end
),

-- one independent value per figure, in the prosecutions mart's order of precedence
independent as (
    select *
    from independent_by_source
    qualify row_number() over (
        partition by source_row
        order by
            (covers_period and independent_value is not null) desc,
            case when source = 'ncd' and independent_basis = 'derived' then 1
                 when source = 'bulletins' and independent_basis <> 'modelled' then 2
                 when source = 'bulletins' then 3
                 else 4 end
    ) = 1
),

-- the value the facts use for a single month (the curated figure where it was loaded as is)
loaded as (
    select
        figures.source_row,
        -- in the published unit: a share TRAC printed as a percent is compared as a percent
        case when figures.unit = 'percent' then 100.0 * months.prosecutions else months.prosecutions end
            as loaded_value,
        months.basis as loaded_basis,
        months.source_table as loaded_from
    from figures
    inner join months
        on months.geography = figures.geography
        and months.series = figures.series
        and months.month = figures.period_start
        and figures.is_single_month
),

table1_same_page as (
    -- a bulletin Table 1 figure and the same page's figure in the warehouse: one document, read twice
    select figures.source_row, t.prosecutions as same_page_value, t.prosecutions_basis as same_page_basis
    from figures
    inner join {{ ref('int_trac__table1') }} as t
        on figures.is_bulletin_table1 and figures.geography = 'US'
        and t.series = figures.series and t.month = figures.period_start
),

checks as (
select
    cast(f.source_row as integer) as source_row,
    cast(f.published_series as varchar) as published_series,
    cast(f.series as varchar) as series,
    cast(f.published_geography as varchar) as published_geography,
    cast(f.geography as varchar) as geography,
    cast(f.period as varchar) as period,
    cast(f.period_start as date) as period_start,
    cast(f.period_end as date) as period_end,
    cast(f.published_value as double) as published_value,
    cast(f.unit as varchar) as unit,
    cast(coalesce(
        case when l.loaded_from in ('published_figures', 'ratio_of_counts') then l.loaded_value end,
        s.same_page_value,
        case when i.covers_period then i.independent_value end
    ) as double) as warehouse_value,
    cast(coalesce(
        case when l.loaded_from in ('published_figures', 'ratio_of_counts') then l.loaded_basis end,
        s.same_page_basis,
        case when i.covers_period then i.independent_basis end
    ) as varchar) as warehouse_basis,
    cast(case
        when l.loaded_from = 'published_figures' then 'by_construction'
        when l.loaded_from = 'ratio_of_counts' and l.loaded_value is not null then 'independent'
        when s.same_page_value is not null and s.same_page_basis = 'published' then 'by_construction'
        when i.covers_period and i.independent_value is not null then 'independent'
        else 'not_comparable'
    end as varchar) as agreement,
    cast(case
        when l.loaded_from = 'published_figures' then 'the published figure, loaded as is'
        when l.loaded_from = 'ratio_of_counts' and l.loaded_value is not null
            then 'non_immigration / all of the warehouse''s own row, as a ' || f.unit
        when s.same_page_value is not null and s.same_page_basis = 'published' then 'read from the same bulletin page'
        when i.covers_period and i.independent_value is not null then i.independent_method
        when f.geography is null then 'no such geography in the warehouse'
        when f.series is null then 'no such series in the warehouse'
        else 'no warehouse value for the whole period'
    end as varchar) as warehouse_method,
    cast(case when i.covers_period then i.independent_value end as double) as independent_value,
    cast(case when i.covers_period then i.independent_basis end as varchar) as independent_basis,
    cast(case when i.covers_period then i.independent_method end as varchar) as independent_method,
    cast(case when i.covers_period then i.independent_value - f.published_value end as double) as independent_residual,
    cast(f.source_url as varchar) as source_url,
    cast(f.release_id as varchar) as release_id
from figures as f
left join loaded as l on l.source_row = f.source_row
left join table1_same_page as s on s.source_row = f.source_row
left join independent as i on i.source_row = f.source_row
)

select
    checks.* exclude (source_url, release_id),
    cast(warehouse_value - published_value as double) as residual,
    source_url,
    release_id
from checks
