select
    cast(release_id as varchar)     as release_id,
    cast(district as varchar)       as district_code,
    cast(caseid as varchar)         as case_id,
    cast(id as bigint)              as court_history_id,
    cast(court as varchar)          as court,
    cast(filing_date as date)       as filing_date
from {{ source('raw_eousa', 'eousa_ncd_court_hist') }}
