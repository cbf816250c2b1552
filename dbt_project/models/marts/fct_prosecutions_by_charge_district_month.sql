-- Prosecutions by lead charge, as ranked on TRAC's pages (district pages, and national pages with
-- geography_type = 'national' and no district_code).
select
    cast(geography_type as varchar) as geography_type,
    cast(district_code as varchar) as district_code,
    cast(month as date) as month,
    cast(series as varchar) as series,
    cast(rank as integer) as rank,
    cast(statute as varchar) as statute,
    cast(charge_description as varchar) as charge_description,
    cast(prosecutions as bigint) as prosecutions,
    cast(is_modelled as boolean) as is_modelled,
    cast(release_id as varchar) as release_id
from {{ ref('int_trac__lead_charges') }}
