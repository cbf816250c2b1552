-- Border Patrol apprehensions (OHSS, by sector) and OFO inadmissibles (CBP AOR file, by field office)
-- allocated to judicial districts through the crosswalk seeds: a unit's count times its allocation
-- weight, rounded to whole people. OHSS is the only Border Patrol source here, even where the AOR file
-- also gives Border Patrol encounters.
with bp as (
    select
        crosswalk.district_code,
        encounters.month,
        cast(round(sum(encounters.encounter_count * crosswalk.allocation_weight)) as bigint) as bp_apprehensions,
        bool_or(crosswalk.allocation_weight < 1) as bp_apprehensions_is_allocated,
        bool_or(encounters.is_modelled) as is_modelled,
        list(distinct encounters.release_id) as release_ids
    from {{ ref('int_cbp__encounters') }} as encounters
    inner join {{ ref('sector_district_crosswalk') }} as crosswalk
        on encounters.geography = crosswalk.sector
    where encounters.geography_type = 'sector'
    group by all
),

ofo as (
    select
        crosswalk.district_code,
        encounters.month,
        cast(round(sum(encounters.encounter_count * crosswalk.allocation_weight)) as bigint) as ofo_inadmissibles,
        bool_or(crosswalk.allocation_weight < 1) as ofo_inadmissibles_is_allocated,
        bool_or(encounters.is_modelled) as is_modelled,
        list(distinct encounters.release_id) as release_ids
    from {{ ref('int_cbp__encounters') }} as encounters
    inner join {{ ref('field_office_district_crosswalk') }} as crosswalk
        on lower(trim(encounters.geography)) = lower(crosswalk.field_office)
    where encounters.geography_type = 'area_of_responsibility'
      and encounters.component = 'Office of Field Operations'
      and encounters.encounter_type = 'Inadmissibles'
    group by all
)

select
    coalesce(bp.district_code, ofo.district_code) as district_code,
    coalesce(bp.month, ofo.month) as month,
    bp.bp_apprehensions,
    ofo.ofo_inadmissibles,
    coalesce(bp.bp_apprehensions_is_allocated, false) as bp_apprehensions_is_allocated,
    coalesce(ofo.ofo_inadmissibles_is_allocated, false) as ofo_inadmissibles_is_allocated,
    coalesce(bp.is_modelled, false) or coalesce(ofo.is_modelled, false) as is_modelled,
    coalesce(bp.is_modelled, false) as bp_apprehensions_is_modelled,
    list_sort(list_distinct(flatten([coalesce(bp.release_ids, []), coalesce(ofo.release_ids, [])]))) as release_ids
from bp
full outer join ofo
    on bp.district_code = ofo.district_code
   and bp.month = ofo.month
