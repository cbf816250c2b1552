-- Blocking: every code use the counts require (seeds/ncd_codes.csv, required) resolves to at least one
-- code in every loaded NCD release. A release whose code table no longer describes a code as the seed
-- expects (renamed, dropped) would otherwise silently zero a series.
with releases as (
    select distinct release_id from {{ ref('stg_eousa__cases') }}
),

required as (
    select code_use, code_table, description_pattern from {{ ref('ncd_codes') }} where required
)

select r.release_id, q.code_use, q.code_table, q.description_pattern
from releases as r
cross join required as q
where not exists (
    select 1 from {{ ref('int_eousa__codes') }} as k
    where k.release_id = r.release_id and k.code_use = q.code_use
)
