select
    cast(release_id as varchar)     as release_id,
    cast(disk as varchar)           as disk,
    cast(sha256 as varchar)         as sha256,
    cast(bytes as bigint)           as bytes,
    cast(readme_title as varchar)   as readme_title,
    cast(is_modelled as boolean)    as is_modelled
from {{ source('raw_eousa', 'eousa_ncd_disks') }}
