-- Prosecutions per geography, month and program: which kinds of crime were prosecuted, each figure with its
-- basis and releases. The nation (US) from TRAC's program bulletins (int_trac__prosecutions_by_program); the
-- border districts and SW_BORDER come from EOUSA NCD program categories (int_eousa__prosecutions_by_program,
-- same columns), unioned here where that model exists (see the model's yml).
with programs as (
    select * from {{ ref('int_trac__prosecutions_by_program') }}
)

select
    cast(geography as varchar) as geography,
    cast(month as date) as month,
    cast(program as varchar) as program,
    cast(prosecutions as bigint) as prosecutions,
    cast(basis as varchar) as basis,
    cast(release_ids as varchar[]) as release_ids
from programs
