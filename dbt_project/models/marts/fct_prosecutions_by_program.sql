-- Prosecutions per geography, month and program: which kinds of crime were prosecuted, each figure with its
-- basis and releases. The nation (US) from TRAC's program bulletins (int_trac__prosecutions_by_program); the
-- border districts and SW_BORDER from EOUSA NCD program categories, resolved from each release's own code
-- table (int_eousa__prosecutions_by_program). The two never share a geography.
with programs as (
    select geography, month, program, prosecutions, basis, release_ids
    from {{ ref('int_trac__prosecutions_by_program') }}
    union all
    select geography, month, program, prosecutions, basis, release_ids
    from {{ ref('int_eousa__prosecutions_by_program') }}
)

select
    cast(geography as varchar) as geography,
    cast(month as date) as month,
    cast(program as varchar) as program,
    cast(prosecutions as bigint) as prosecutions,
    cast(basis as varchar) as basis,
    cast(release_ids as varchar[]) as release_ids
from programs
