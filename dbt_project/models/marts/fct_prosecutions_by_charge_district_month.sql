-- Prosecutions by lead charge, as ranked on TRAC's national pages (TRAC publishes no free district pages,
-- so every row is national: geography_type 'national', no district_code).
select
    cast('national' as varchar) as geography_type,
    cast(null as varchar) as district_code,
    cast(month as date) as month,
    cast(series as varchar) as series,
    cast(rank as integer) as rank,
    cast(statute as varchar) as statute,
    cast(charge_description as varchar) as charge_description,
    cast(prosecutions as bigint) as prosecutions,
    cast(prosecutions_basis as varchar) as prosecutions_basis,
    cast(prosecutions_basis = 'modelled' as boolean) as is_modelled,
    cast(release_id as varchar) as release_id
from {{ ref('int_trac__lead_charges') }}
