select
    cast(release_id as varchar)                         as release_id,
    cast(source_row as integer)                         as source_row,
    cast(month as date)                                 as month,
    cast(fiscal_year as varchar)                        as fiscal_year_label,
    cast(month_abbv as varchar)                         as month_label,
    cast(month_grouping as varchar)                     as month_grouping,
    cast(component as varchar)                          as component,
    cast(demographic as varchar)                        as demographic,
    cast(citizenship_grouping as varchar)               as citizenship,
    cast(title_of_authority as varchar)                 as title_of_authority,
    cast(encounter_type as varchar)                     as encounter_type,
    cast(encounter_count as bigint)                     as encounter_count
from {{ source('raw', 'cbp_sbo') }}
