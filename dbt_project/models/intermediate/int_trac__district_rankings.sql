-- The ranked districts tables of TRAC's national pages (latest release per series and month), with
-- TRAC's district names mapped to district codes through the districts seed. An unmapped name keeps
-- district_code NULL, which the not_null test on this model reports.
with latest as {{ latest_release(ref('stg_trac__district_rankings'), ['trac_series', 'month']) }}

select
    latest.release_id,
    series_names.series,
    latest.month,
    latest.rank,
    latest.trac_district_name,
    districts.district_code,
    latest.prosecutions,
    {{ figure_basis('latest.modelled_figures', 'prosecutions') }} as prosecutions_basis,
    latest.per_million_people,
    {{ figure_basis('latest.modelled_figures', 'per_capita_rate') }} as per_million_people_basis,
    latest.trac_change_1yr,
    latest.trac_change_5yr,
    latest.trac_change_10yr,
    latest.trac_change_20yr
from latest
inner join {{ ref('trac_series') }} as series_names
    on latest.trac_series = series_names.trac_series
left join {{ ref('districts') }} as districts
    on lower(trim(latest.trac_district_name)) = lower(districts.trac_name)
