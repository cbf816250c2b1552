-- Every CBP and OHSS encounter row of every loaded release, in one shape. `source` is the release
-- family (meta.releases.family) and is_modelled is the release's. geography_type names the unit each
-- file counts by, which is what downstream models select on (sector: the OHSS Border Patrol series;
-- area_of_responsibility: the AOR file's sectors and field offices), never a family's name. Rows with identical dimensions in
-- one file are summed, so each release has one row per month and dimensions.
with unioned as (
    select
        release_id, month, component, region,
        'area_of_responsibility' as geography_type, area_of_responsibility as geography,
        demographic, citizenship, title_of_authority, encounter_type, encounter_count
    from {{ ref('stg_cbp__nationwide_aor') }}

    union all

    select
        release_id, month, null as component, region,
        'state' as geography_type, state as geography,
        demographic, citizenship, title_of_authority, null as encounter_type, encounter_count
    from {{ ref('stg_cbp__nationwide_state') }}

    union all

    select
        release_id, month, component, 'Southwest Land Border' as region,
        'southwest_land_border' as geography_type, 'Southwest Land Border' as geography,
        demographic, citizenship, title_of_authority, encounter_type, encounter_count
    from {{ ref('stg_cbp__sbo') }}

    union all

    select
        release_id, month, 'U.S. Border Patrol' as component, null as region,
        'sector' as geography_type, sector as geography,
        null as demographic, null as citizenship, null as title_of_authority, null as encounter_type,
        encounter_count
    from {{ ref('stg_ohss__usbp_monthly_sector') }}
)

select
    unioned.release_id,
    releases.family as source,
    -- the federal fiscal year a calendar month falls in: October-December count towards the next year
    cast(year(unioned.month + interval 3 month) as integer) as fiscal_year,
    unioned.month,
    unioned.component,
    unioned.region,
    unioned.geography_type,
    unioned.geography,
    unioned.demographic,
    unioned.citizenship,
    unioned.title_of_authority,
    unioned.encounter_type,
    cast(sum(unioned.encounter_count) as bigint) as encounter_count,
    releases.is_modelled
from unioned
inner join {{ ref('stg_meta__releases') }} as releases
    on unioned.release_id = releases.release_id
   and releases.status = 'loaded'
group by all
