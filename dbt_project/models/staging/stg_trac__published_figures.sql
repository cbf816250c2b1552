-- Figures TRAC printed in reports, press releases and bulletins (crowdout's curated CSV), renamed and cast.
select
    cast(release_id as varchar)                          as release_id,
    cast(source_row as integer)                          as source_row,
    cast(series as varchar)                              as published_series,
    cast(geography as varchar)                           as published_geography,
    cast(period as varchar)                              as period,
    cast(period_start as date)                           as period_start,
    cast(period_end as date)                             as period_end,
    cast(value as double)                                as published_value,
    cast(unit as varchar)                                as unit,
    cast(pct_chg_prev_month as double) / 100             as published_change_prev_month,
    cast(pct_chg_1yr as double) / 100                    as published_change_1yr,
    cast(source_url as varchar)                          as source_url,
    cast(note as varchar)                                as note
from {{ source('raw', 'trac_published_figures') }}
