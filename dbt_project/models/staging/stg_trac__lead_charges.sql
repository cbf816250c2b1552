select
    cast(release_id as varchar)         as release_id,
    cast(series as varchar)             as trac_series,
    cast(geography_type as varchar)     as geography_type,
    cast(district_code as varchar)      as district_code,
    cast(month as date)                 as month,
    cast(rank as integer)               as rank,
    cast(charge_description as varchar) as charge_description,
    cast(statute as varchar)            as statute,
    cast(prosecutions as bigint)        as prosecutions,
    cast(is_modelled as boolean)        as is_modelled
from {{ source('raw', 'trac_lead_charges') }}
