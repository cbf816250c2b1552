select
    cast(release_id as varchar)                         as release_id,
    cast(source_row as integer)                         as source_row,
    cast(month as date)                                 as month,
    cast(fiscal_year as integer)                        as fiscal_year,
    cast(month_label as varchar)                        as month_label,
    cast(sector as varchar)                             as sector,
    cast(quantity as bigint)                            as encounter_count
from {{ source('raw', 'ohss_usbp_monthly_sector') }}
