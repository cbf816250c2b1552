-- TRAC top lead charges of the national pages, every ranked row of the latest release of each page.
with latest as {{ latest_release(ref('stg_trac__lead_charges'), ['trac_series', 'month']) }}

select
    latest.release_id,
    series_names.series,
    latest.month,
    latest.rank,
    latest.statute,
    latest.charge_description,
    latest.prosecutions,
    {{ figure_basis('latest.modelled_figures', 'prosecutions') }} as prosecutions_basis
from latest
inner join {{ ref('trac_series') }} as series_names
    on latest.trac_series = series_names.trac_series
