-- TRAC Table 1 figures, the latest release of each national page (series x month), with the warehouse's
-- series names. A page loaded twice with the same bytes is one release; different bytes for the same page
-- (a restatement, or a real page loaded by hand over a sample one) are a new release and the later wins.
with latest as {{ latest_release(ref('stg_trac__table1'), ['trac_series', 'month']) }}

select
    latest.release_id,
    series_names.series,
    latest.trac_series,
    latest.month,
    latest.prosecutions,
    {{ figure_basis('latest.modelled_figures', 'number_latest_month') }} as prosecutions_basis,
    latest.trac_change_prev_month,
    latest.trac_change_1yr,
    {{ figure_basis('latest.modelled_figures', 'pct_change_1yr') }} as trac_change_1yr_basis,
    latest.trac_change_5yr_incl_magistrate,
    latest.trac_change_5yr_excl_magistrate
from latest
inner join {{ ref('trac_series') }} as series_names
    on latest.trac_series = series_names.trac_series
