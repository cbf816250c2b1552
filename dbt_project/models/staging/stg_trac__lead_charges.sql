-- The top lead charges table of TRAC's national pages, renamed and cast (modelled_figures as in
-- stg_trac__table1).
select
    cast(release_id as varchar)         as release_id,
    cast(series as varchar)             as trac_series,
    cast(month as date)                 as month,
    cast(rank as integer)               as rank,
    cast(charge_description as varchar) as charge_description,
    cast(statute as varchar)            as statute,
    cast(prosecutions as bigint)        as prosecutions,
    cast(pct_change_1yr as double) / 100  as trac_change_1yr,
    cast(pct_change_5yr as double) / 100  as trac_change_5yr,
    cast(pct_change_10yr as double) / 100 as trac_change_10yr,
    cast(pct_change_20yr as double) / 100 as trac_change_20yr,
    cast(modelled_figures as varchar)   as modelled_figures
from {{ source('raw', 'trac_lead_charges') }}
