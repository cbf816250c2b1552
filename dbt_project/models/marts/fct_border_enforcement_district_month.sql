-- Border Patrol apprehensions and OFO inadmissibles per border district and month, through the
-- sector and field office crosswalks.
-- A table rebuilt whole on every run: its releases (OHSS, CBP AOR) restate every month they cover.
select
    cast(district_code as varchar) as district_code,
    cast(month as date) as month,
    cast(bp_apprehensions as bigint) as bp_apprehensions,
    cast(ofo_inadmissibles as bigint) as ofo_inadmissibles,
    cast(bp_apprehensions_is_allocated as boolean) as bp_apprehensions_is_allocated,
    cast(ofo_inadmissibles_is_allocated as boolean) as ofo_inadmissibles_is_allocated,
    cast(bp_apprehensions_is_allocated or ofo_inadmissibles_is_allocated as boolean) as is_allocated,
    cast(is_modelled as boolean) as is_modelled,
    cast(release_ids as varchar[]) as release_ids
from {{ ref('int_border__district_month') }}

