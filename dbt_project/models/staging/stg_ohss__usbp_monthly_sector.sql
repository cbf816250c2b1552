select
    cast(release_id as varchar)                         as release_id,
    cast(source_row as integer)                         as source_row,
    {{ fiscal_year_number('fiscal_year') }}             as fiscal_year,
    {{ fiscal_month('fiscal_year', 'month_label') }}    as month,
    cast(month_label as varchar)                        as month_label,
    cast(sector as varchar)                             as sector,
    cast(quantity as bigint)                            as encounter_count
from {{ source('raw', 'ohss_usbp_monthly_sector') }}
