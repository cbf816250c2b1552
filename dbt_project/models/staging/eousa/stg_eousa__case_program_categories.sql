select
    cast(release_id as varchar)     as release_id,
    cast(district as varchar)       as district_code,
    cast(caseid as varchar)         as case_id,
    cast(prog_cat as varchar)       as program_category,
    cast(id as bigint)              as program_category_row_id
from {{ source('raw_eousa', 'eousa_ncd_case_prog_cat') }}
