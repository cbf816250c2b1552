-- TRAC top lead charges, every ranked row of the latest release of each page.
with latest as {{ latest_release(ref('stg_trac__lead_charges'), ['trac_series', 'geography_type', 'district_code', 'month']) }}

select
    latest.release_id,
    series_names.series,
    latest.geography_type,
    latest.district_code,
    latest.month,
    latest.rank,
    latest.statute,
    latest.charge_description,
    latest.prosecutions,
    latest.is_modelled
from latest
inner join {{ ref('trac_series') }} as series_names
    on latest.trac_series = series_names.trac_series
