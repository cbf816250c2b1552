-- The ranked districts table of TRAC's national pages, renamed and cast (modelled_figures as in
-- stg_trac__table1).
select
    cast(release_id as varchar)         as release_id,
    cast(series as varchar)             as trac_series,
    cast(month as date)                 as month,
    cast(rank as integer)               as rank,
    cast(district_name as varchar)      as trac_district_name,
    cast(prosecutions as bigint)        as prosecutions,
    cast(per_capita_rate as double)     as per_million_people,
    cast(pct_change_1yr as double) / 100  as trac_change_1yr,
    cast(pct_change_5yr as double) / 100  as trac_change_5yr,
    cast(pct_change_10yr as double) / 100 as trac_change_10yr,
    cast(pct_change_20yr as double) / 100 as trac_change_20yr,
    cast(modelled_figures as varchar)   as modelled_figures
from {{ source('raw', 'trac_district_rankings') }}
