-- TRAC bulletin Table 1 (national pages), renamed and cast. modelled_figures lists the row's modelled
-- cells by raw column name; intermediate models turn it into each figure's basis.
select
    cast(release_id as varchar)                                 as release_id,
    cast(series as varchar)                                     as trac_series,
    cast(month as date)                                         as month,
    cast(page_title as varchar)                                 as page_title,
    cast(number_latest_month as bigint)                         as prosecutions,
    cast(pct_change_prev_month as double) / 100                 as trac_change_prev_month,
    cast(pct_change_1yr as double) / 100                        as trac_change_1yr,
    cast(pct_change_5yr_incl_magistrate as double) / 100        as trac_change_5yr_incl_magistrate,
    cast(pct_change_5yr_excl_magistrate as double) / 100        as trac_change_5yr_excl_magistrate,
    cast(previous_month_number as bigint)                       as previous_month_prosecutions,
    cast(table1_layout as varchar)                              as table1_layout,
    cast(modelled_figures as varchar)                           as modelled_figures
from {{ source('raw', 'trac_table1') }}
