select
    cast(release_id as varchar)     as release_id,
    cast(disk as varchar)           as disk,
    cast(source_file as varchar)    as source_file,
    cast(code_table as varchar)     as code_table,
    cast(district as varchar)       as district_code,
    cast(code as varchar)           as code,
    cast(description as varchar)    as description
from {{ source('raw_eousa', 'eousa_ncd_codes') }}
