-- The national (all 94 districts) figure per series and month, from the national bulletin pages.
select
    month,
    series,
    prosecutions,
    trac_change_1yr,
    is_modelled,
    release_id
from {{ ref('int_trac__table1') }}
where geography_type = 'national'
