-- Federal prosecutions per judicial district (and the nation, district_code 'US'), month and series, each
-- figure with its own basis. Districts come from the ranked districts tables of TRAC's national pages,
-- the nation from Table 1, and TRAC's published figures where no bulletin gives a figure or it is modelled.
with districts as (
    select
        district_code,
        'district' as geography_type,
        month,
        series,
        prosecutions,
        basis,
        source_table,
        missing_reason,
        release_ids
    from {{ ref('int_trac__district_month') }}
),

nation as (
    select
        'US' as district_code,
        'national' as geography_type,
        month,
        series,
        prosecutions,
        basis,
        source_table,
        cast(null as varchar) as missing_reason,
        release_ids
    from {{ ref('int_trac__national_month') }}
)

select
    cast(district_code as varchar) as district_code,
    cast(geography_type as varchar) as geography_type,
    cast(month as date) as month,
    cast(series as varchar) as series,
    cast(prosecutions as bigint) as prosecutions,
    cast(basis as varchar) as basis,
    cast(source_table as varchar) as source_table,
    cast(missing_reason as varchar) as missing_reason,
    cast(basis = 'modelled' as boolean) as is_modelled,
    cast(release_ids as varchar[]) as release_ids
from (
    select * from districts
    union all
    select * from nation
) as figures
