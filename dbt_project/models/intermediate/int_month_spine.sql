-- Every calendar month from the earliest to the latest month any loaded release covers, gap-free.
with months as (
    select month from {{ ref('int_trac__table1') }}
    union all
    select month from {{ ref('int_trac__district_rankings') }}
    union all
    select month from {{ ref('int_cbp__encounters') }}
),

bounds as (
    select min(month) as first_month, max(month) as last_month from months
)

select cast(spine.month as date) as month
from bounds,
    generate_series(bounds.first_month, bounds.last_month, interval 1 month) as spine(month)
where bounds.first_month is not null
