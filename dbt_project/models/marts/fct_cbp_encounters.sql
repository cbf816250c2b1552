-- CBP and OHSS encounters, each source's latest release per month. Sources overlap (the same Border
-- Patrol arrest is in the OHSS, AOR, state and SBO files): filter on one source before summing.
-- A table rebuilt whole on every run: its releases are rolling files that restate every month they
-- cover, so no month can be left to an older release.
select
    cast(month as date) as month,
    cast(fiscal_year as integer) as fiscal_year,
    cast(source as varchar) as source,
    cast(component as varchar) as component,
    cast(region as varchar) as region,
    cast(geography_type as varchar) as geography_type,
    cast(geography as varchar) as geography,
    cast(demographic as varchar) as demographic,
    cast(citizenship as varchar) as citizenship,
    cast(title_of_authority as varchar) as title_of_authority,
    cast(encounter_type as varchar) as encounter_type,
    cast(encounter_count as bigint) as encounter_count,
    cast(is_modelled as boolean) as is_modelled,
    cast(release_id as varchar) as release_id
from {{ ref('int_cbp__encounters') }}

