select
    cast(release_id as varchar)                                 as release_id,
    cast(series as varchar)                                     as trac_series,
    cast(geography_type as varchar)                             as geography_type,
    cast(district_code as varchar)                              as district_code,
    cast(geography_name as varchar)                             as geography_name,
    cast(month as date)                                         as month,
    cast(page_title as varchar)                                 as page_title,
    cast(number_latest_month as bigint)                         as prosecutions,
    cast(pct_change_prev_month as double) / 100                 as trac_change_prev_month,
    cast(pct_change_1yr as double) / 100                        as trac_change_1yr,
    cast(pct_change_5yr_incl_magistrate as double) / 100        as trac_change_5yr_incl_magistrate,
    cast(pct_change_5yr_excl_magistrate as double) / 100        as trac_change_5yr_excl_magistrate,
    cast(is_modelled as boolean)                                as is_modelled
from {{ source('raw', 'trac_table1') }}
