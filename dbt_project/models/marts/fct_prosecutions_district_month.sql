-- Federal prosecutions per judicial district, month and TRAC series.
select
    cast(district_code as varchar) as district_code,
    cast(month as date) as month,
    cast(series as varchar) as series,
    cast(prosecutions as bigint) as prosecutions,
    cast(source_table as varchar) as source_table,
    cast(is_modelled as boolean) as is_modelled,
    cast(release_id as varchar) as release_id
from {{ ref('int_trac__district_month') }}
