select
    cast(release_id as varchar)         as release_id,
    cast(family as varchar)             as family,
    cast(release_key as varchar)        as release_key,
    cast(url as varchar)                as url,
    cast(fetched_at as timestamptz)     as fetched_at,
    cast(published_at as timestamptz)   as published_at,
    cast(sha256 as varchar)             as sha256,
    cast(bytes as bigint)               as bytes,
    cast(landing_path as varchar)       as landing_path,
    cast(is_modelled as boolean)        as is_modelled,
    cast(status as varchar)             as status,
    cast(error as varchar)              as error,
    cast(row_count as bigint)           as row_count,
    cast(months_covered as date[])      as months_covered,
    cast(loaded_at as timestamptz)      as loaded_at
from {{ source('meta', 'releases') }}
