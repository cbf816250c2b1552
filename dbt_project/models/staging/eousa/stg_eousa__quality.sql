select
    cast(release_id as varchar)     as release_id,
    cast(table_name as varchar)     as table_name,
    cast(column_name as varchar)    as column_name,
    cast(issue as varchar)          as issue,
    cast(cells as bigint)           as cells,
    cast(example as varchar)        as example
from {{ source('raw_eousa', 'eousa_ncd_quality') }}
