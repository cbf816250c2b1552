-- TRAC Table 1 figures of every loaded release of each national page (int_trac__table1 keeps the latest
-- only), with the warehouse's series names and each figure's basis: what fct_prosecution_revisions sets
-- side by side.
select
    pages.release_id,
    series_names.series,
    pages.month,
    pages.prosecutions,
    {{ figure_basis('pages.modelled_figures', 'number_latest_month') }} as prosecutions_basis
from {{ ref('stg_trac__table1') }} as pages
inner join {{ ref('trac_series') }} as series_names
    on pages.trac_series = series_names.trac_series
