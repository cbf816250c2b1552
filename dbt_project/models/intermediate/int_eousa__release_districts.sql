-- The districts each EOUSA National Caseload Data release has cases for (of any class): the districts the
-- NCD mart gives a zero-filled series, read here so the mart never reads staging.
select distinct
    release_id,
    district_code
from {{ ref('stg_eousa__cases') }}
