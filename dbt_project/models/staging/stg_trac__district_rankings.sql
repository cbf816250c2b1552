select
    cast(release_id as varchar)         as release_id,
    cast(series as varchar)             as trac_series,
    cast(month as date)                 as month,
    cast(rank as integer)               as rank,
    cast(district_name as varchar)      as trac_district_name,
    cast(prosecutions as bigint)        as prosecutions,
    cast(per_capita_rate as double)     as per_million_people,
    cast(is_modelled as boolean)        as is_modelled
from {{ source('raw', 'trac_district_rankings') }}
