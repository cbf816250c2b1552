-- TRAC Table 1 figures, the latest release of each page (series x geography x month), with the
-- warehouse's series names. A page loaded twice with the same bytes is one release; different bytes
-- for the same page are a restatement and the later one wins.
with latest as {{ latest_release(ref('stg_trac__table1'), ['trac_series', 'geography_type', 'district_code', 'month']) }}

select
    latest.release_id,
    series_names.series,
    latest.trac_series,
    latest.geography_type,
    latest.district_code,
    latest.geography_name,
    latest.month,
    latest.prosecutions,
    latest.trac_change_prev_month,
    latest.trac_change_1yr,
    latest.trac_change_5yr_incl_magistrate,
    latest.trac_change_5yr_excl_magistrate,
    latest.is_modelled
from latest
inner join {{ ref('trac_series') }} as series_names
    on latest.trac_series = series_names.trac_series
