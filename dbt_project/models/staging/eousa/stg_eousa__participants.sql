select
    cast(release_id as varchar)     as release_id,
    cast(district as varchar)       as district_code,
    cast(caseid as varchar)         as case_id,
    cast(id as bigint)              as participant_id,
    cast(type as varchar)           as participant_type,
    cast(role as varchar)           as role,
    cast(defend_num as bigint)      as defendant_number,
    cast(agency as varchar)         as agency
from {{ source('raw_eousa', 'eousa_ncd_participant') }}
