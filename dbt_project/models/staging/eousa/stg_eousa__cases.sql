select
    cast(release_id as varchar)     as release_id,
    cast(district as varchar)       as district_code,
    cast(id as varchar)             as case_id,
    cast(class as varchar)          as case_class,
    cast(recvd_date as date)        as received_date,
    cast(lead_charge as varchar)    as lead_charge,
    cast(status as varchar)         as case_status
from {{ source('raw_eousa', 'eousa_ncd_case') }}
