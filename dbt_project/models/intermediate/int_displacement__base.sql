-- The base facts of the displacement mart, one row per geography x month over the months TRAC covers:
-- the five southwest border districts, SW_BORDER (their sum), US (all Border Patrol sectors, and the
-- nation's prosecutions as marts.fct_prosecutions_district_month ranks them: a real sum of all districts
-- where an EOUSA NCD release is loaded, else Table 1) and NON_BORDER (US minus SW_BORDER, so the real
-- sum of the other districts where US is one). Prosecutions come from fct_prosecutions_district_month,
-- so its precedence of sources holds here too; is_provisional is true where any of the row's prosecution
-- figures is provisional there. A figure is NULL where no release gives it; an
-- aggregate is NULL unless every one of its districts gives the figure (districts_covered counts them).
-- is_modelled is the row's conservative OR over all its inputs (OFO inadmissibles from the CBP AOR file
-- included); prosecutions_is_modelled and bp_apprehensions_is_modelled say which measure is modelled, and
-- each count has its own basis (<measure>_basis: published, derived or modelled; macros/basis.sql), so a
-- real figure beside a modelled one is not presented as modelled.
-- Every row adds up: SW_BORDER is the sum of its five districts and NON_BORDER is US - SW_BORDER, for every
-- count and month. The one exception is a count TRAC published for the five districts together
-- (non-immigration and CBP-referred, in a few 2018 months): SW_BORDER keeps TRAC's figure, and
-- <count>_districts_sum and <count>_residual (TRAC's figure minus the districts' sum) say how far the
-- districts are from it. Modelled districts never disagree with it: fct_prosecutions_district_month scales
-- them to TRAC's figure (basis modelled_scaled_to_published), so only real districts from another snapshot
-- leave a residual. NON_BORDER takes SW_BORDER's figure as it is, published or summed.
{%- set sw_districts_sql -%}
    select district_code from {{ ref('districts') }} where is_sw_border
{%- endset %}

with trac_months as (
    select spine.month
    from {{ ref('int_month_spine') }} as spine
    where spine.month between (select min(month) from {{ ref('int_trac__table1') }})
                          and (select max(month) from {{ ref('int_trac__table1') }})
),

sw_districts as (
    {{ sw_districts_sql }}
),

district_prosecutions as (
    select
        district_code as geography,
        month,
        {{ trac_series_columns() }},
        {{ any_provisional() }}
    from {{ ref('fct_prosecutions_district_month') }}
    where district_code in (select district_code from sw_districts)
    group by all
),

districts as (
    select
        sw_districts.district_code as geography,
        'district' as geography_type,
        trac_months.month,
        p.immigration_prosecutions,
        p.total_prosecutions,
        p.cbp_referred_prosecutions,
        p.immigration_prosecutions_basis,
        p.total_prosecutions_basis,
        p.cbp_referred_prosecutions_basis,
        coalesce(p.non_immigration_prosecutions, p.total_prosecutions - p.immigration_prosecutions)
            as non_immigration_prosecutions,
        case when p.non_immigration_prosecutions is not null then p.non_immigration_prosecutions_basis
             else {{ combined_basis('[p.total_prosecutions_basis, p.immigration_prosecutions_basis]') }}
        end as non_immigration_prosecutions_basis,
        b.bp_apprehensions,
        coalesce(b.bp_apprehensions_is_allocated, false) as bp_apprehensions_is_allocated,
        b.ofo_inadmissibles,
        cast(case when p.immigration_prosecutions is not null and p.total_prosecutions is not null then 1 else 0 end as integer) as districts_covered,
        coalesce(p.is_modelled, false) or coalesce(b.is_modelled, false) as is_modelled,
        coalesce(p.is_modelled, false) as prosecutions_is_modelled,
        coalesce(b.bp_apprehensions_is_modelled, false) as bp_apprehensions_is_modelled,
        coalesce(p.is_provisional, false) as is_provisional,
        flatten([coalesce(p.release_ids, []), coalesce(b.release_ids, [])]) as release_ids
    from sw_districts
    cross join trac_months
    left join district_prosecutions as p
        on p.geography = sw_districts.district_code and p.month = trac_months.month
    left join {{ ref('int_border__district_month') }} as b
        on b.district_code = sw_districts.district_code and b.month = trac_months.month
),

-- Border enforcement totals straight from the units (no allocation): the southwest sectors and field
-- offices are those in the crosswalks; US is every sector / every OFO field office.
sw_sectors as (select distinct sector from {{ ref('sector_district_crosswalk') }}),
sw_field_offices as (select distinct lower(field_office) as field_office from {{ ref('field_office_district_crosswalk') }}),

border_totals as (
    select
        month,
        cast(sum(encounter_count) filter (where geography_type = 'sector') as bigint) as us_bp,
        cast(sum(encounter_count) filter (where geography_type = 'sector' and geography in (select sector from sw_sectors)) as bigint) as sw_bp,
        cast(sum(encounter_count) filter (where is_ofo_inadmissible) as bigint) as us_ofo,
        cast(sum(encounter_count) filter (where is_ofo_inadmissible and lower(trim(geography)) in (select field_office from sw_field_offices)) as bigint) as sw_ofo,
        bool_or(is_modelled) filter (where geography_type = 'sector' or is_ofo_inadmissible) as is_modelled,
        -- a month's OHSS sectors all come from one release, so this is that release's flag (US and SW alike)
        bool_or(is_modelled) filter (where geography_type = 'sector') as bp_is_modelled,
        list(distinct release_id) filter (where geography_type = 'sector' or is_ofo_inadmissible) as release_ids
    from (
        select
            *,
            geography_type = 'area_of_responsibility'
                and component = 'Office of Field Operations'
                and encounter_type = 'Inadmissibles' as is_ofo_inadmissible
        from {{ ref('int_cbp__encounters') }}
    ) as encounters
    group by month
),

-- TRAC's published five-district figures (crowdout's curated file): one per series and month
sw_published as (
    select
        period_start as month,
        cast(max(published_value) filter (where series = 'non_immigration') as bigint) as non_immigration,
        cast(max(published_value) filter (where series = 'cbp_referred') as bigint) as cbp_referred,
        list(release_id) as release_ids
    from {{ ref('int_trac__published_figures') }}
    where geography = 'SW_BORDER' and is_single_month and unit = 'defendants'
    group by period_start
),

sw_border as (
    select
        'SW_BORDER' as geography,
        'aggregate' as geography_type,
        districts.month,
        case when count(immigration_prosecutions) = count(*) then cast(sum(immigration_prosecutions) as bigint) end as immigration_prosecutions,
        case when count(total_prosecutions) = count(*) then cast(sum(total_prosecutions) as bigint) end as total_prosecutions,
        case when count(cbp_referred_prosecutions) = count(*) then cast(sum(cbp_referred_prosecutions) as bigint) end
            as cbp_referred_prosecutions_districts_sum,
        coalesce(any_value(sw_published.cbp_referred), cbp_referred_prosecutions_districts_sum)
            as cbp_referred_prosecutions,
        case when count(non_immigration_prosecutions) = count(*) then cast(sum(non_immigration_prosecutions) as bigint) end
            as non_immigration_prosecutions_districts_sum,
        coalesce(any_value(sw_published.non_immigration), non_immigration_prosecutions_districts_sum)
            as non_immigration_prosecutions,
        {{ combined_basis('list(immigration_prosecutions_basis)') }} as immigration_prosecutions_basis,
        {{ combined_basis('list(total_prosecutions_basis)') }} as total_prosecutions_basis,
        case when any_value(sw_published.cbp_referred) is not null then 'published'
             else {{ combined_basis('list(cbp_referred_prosecutions_basis)') }} end as cbp_referred_prosecutions_basis,
        case when any_value(sw_published.non_immigration) is not null then 'published'
             else {{ combined_basis('list(non_immigration_prosecutions_basis)') }} end as non_immigration_prosecutions_basis,
        any_value(border_totals.sw_bp) as bp_apprehensions,
        false as bp_apprehensions_is_allocated,
        any_value(border_totals.sw_ofo) as ofo_inadmissibles,
        cast(sum(districts_covered) as integer) as districts_covered,
        bool_or(districts.is_modelled) or coalesce(any_value(border_totals.is_modelled), false) as is_modelled,
        bool_or(districts.prosecutions_is_modelled) as prosecutions_is_modelled,
        coalesce(any_value(border_totals.bp_is_modelled), false) as bp_apprehensions_is_modelled,
        bool_or(districts.is_provisional) as is_provisional,
        flatten([flatten(list(districts.release_ids)), coalesce(any_value(sw_published.release_ids), [])]) as release_ids_prosecutions,
        any_value(border_totals.release_ids) as release_ids_border
    from districts
    left join border_totals on border_totals.month = districts.month
    left join sw_published on sw_published.month = districts.month
    group by districts.month
),

us as (
    select
        'US' as geography,
        'aggregate' as geography_type,
        trac_months.month,
        n.immigration_prosecutions,
        n.total_prosecutions,
        coalesce(n.non_immigration_prosecutions, n.total_prosecutions - n.immigration_prosecutions)
            as non_immigration_prosecutions,
        n.cbp_referred_prosecutions,
        n.immigration_prosecutions_basis,
        n.total_prosecutions_basis,
        case when n.non_immigration_prosecutions is not null then n.non_immigration_prosecutions_basis
             else {{ combined_basis('[n.total_prosecutions_basis, n.immigration_prosecutions_basis]') }}
        end as non_immigration_prosecutions_basis,
        n.cbp_referred_prosecutions_basis,
        border_totals.us_bp as bp_apprehensions,
        false as bp_apprehensions_is_allocated,
        border_totals.us_ofo as ofo_inadmissibles,
        cast(case when n.immigration_prosecutions is not null and n.total_prosecutions is not null
                  then (select count(*) from {{ ref('districts') }}) else 0 end as integer) as districts_covered,
        coalesce(n.is_modelled, false) or coalesce(border_totals.is_modelled, false) as is_modelled,
        coalesce(n.is_modelled, false) as prosecutions_is_modelled,
        coalesce(border_totals.bp_is_modelled, false) as bp_apprehensions_is_modelled,
        coalesce(n.is_provisional, false) as is_provisional,
        flatten([coalesce(n.release_ids, []), coalesce(border_totals.release_ids, [])]) as release_ids
    from trac_months
    left join (
        select
            month,
            {{ trac_series_columns() }},
            {{ any_provisional() }}
        from {{ ref('fct_prosecutions_district_month') }}
        where district_code = 'US'
        group by month
    ) as n on n.month = trac_months.month
    left join border_totals on border_totals.month = trac_months.month
),

sw_border_rows as (
    select
        * exclude (release_ids_prosecutions, release_ids_border),
        flatten([release_ids_prosecutions, coalesce(release_ids_border, [])]) as release_ids
    from sw_border
),

non_border as (
    select
        'NON_BORDER' as geography,
        'aggregate' as geography_type,
        us.month,
        us.immigration_prosecutions - sw.immigration_prosecutions as immigration_prosecutions,
        us.total_prosecutions - sw.total_prosecutions as total_prosecutions,
        us.non_immigration_prosecutions - sw.non_immigration_prosecutions as non_immigration_prosecutions,
        us.cbp_referred_prosecutions - sw.cbp_referred_prosecutions as cbp_referred_prosecutions,
        {{ combined_basis('[us.immigration_prosecutions_basis, sw.immigration_prosecutions_basis]') }} as immigration_prosecutions_basis,
        {{ combined_basis('[us.total_prosecutions_basis, sw.total_prosecutions_basis]') }} as total_prosecutions_basis,
        {{ combined_basis('[us.non_immigration_prosecutions_basis, sw.non_immigration_prosecutions_basis]') }}
            as non_immigration_prosecutions_basis,
        {{ combined_basis('[us.cbp_referred_prosecutions_basis, sw.cbp_referred_prosecutions_basis]') }} as cbp_referred_prosecutions_basis,
        us.bp_apprehensions - sw.bp_apprehensions as bp_apprehensions,
        false as bp_apprehensions_is_allocated,
        us.ofo_inadmissibles - sw.ofo_inadmissibles as ofo_inadmissibles,
        cast(case when us.districts_covered > 0 and sw.districts_covered = (select count(*) from sw_districts)
                  then us.districts_covered - sw.districts_covered else 0 end as integer) as districts_covered,
        us.is_modelled or sw.is_modelled as is_modelled,
        us.prosecutions_is_modelled or sw.prosecutions_is_modelled as prosecutions_is_modelled,
        us.bp_apprehensions_is_modelled or sw.bp_apprehensions_is_modelled as bp_apprehensions_is_modelled,
        us.is_provisional or sw.is_provisional as is_provisional,
        flatten([us.release_ids, sw.release_ids]) as release_ids
    from us
    inner join sw_border_rows as sw on sw.month = us.month
),

all_geographies as (
    select * from districts
    union all by name
    select * from sw_border_rows
    union all by name
    select * from us
    union all by name
    select * from non_border
)

select
    geography,
    geography_type,
    month,
    immigration_prosecutions,
    total_prosecutions,
    non_immigration_prosecutions,
    cbp_referred_prosecutions,
    immigration_prosecutions_basis,
    total_prosecutions_basis,
    non_immigration_prosecutions_basis,
    cbp_referred_prosecutions_basis,
    non_immigration_prosecutions_districts_sum,
    non_immigration_prosecutions - non_immigration_prosecutions_districts_sum as non_immigration_prosecutions_residual,
    cbp_referred_prosecutions_districts_sum,
    cbp_referred_prosecutions - cbp_referred_prosecutions_districts_sum as cbp_referred_prosecutions_residual,
    -- Border Patrol apprehensions are sums (or allocations) of OHSS's sector figures
    case when bp_apprehensions is null then null when bp_apprehensions_is_modelled then 'modelled' else 'derived' end
        as bp_apprehensions_basis,
    bp_apprehensions,
    bp_apprehensions_is_allocated,
    ofo_inadmissibles,
    districts_covered,
    is_modelled,
    prosecutions_is_modelled,
    bp_apprehensions_is_modelled,
    is_provisional,
    list_sort(list_distinct(list_filter(release_ids, lambda r: r is not null))) as release_ids
from all_geographies
