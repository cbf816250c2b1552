-- National prosecutions per TRAC program bulletin (immigration, drugs, weapons, white collar, terrorism,
-- organized crime, regulatory) and month: the program series of int_trac__national_month (a page's Table 1,
-- or TRAC's published figure where it replaces a modelled one), keyed by the program of the trac_series seed.
-- TRAC's program pages are national, so every row is geography US. Same columns as
-- int_eousa__prosecutions_by_program (the border districts and SW_BORDER from EOUSA NCD).
select
    'US' as geography,
    national.month,
    series_names.program,
    national.prosecutions,
    national.basis,
    national.release_ids
from {{ ref('int_trac__national_month') }} as national
inner join {{ ref('trac_series') }} as series_names
    on national.series = series_names.series
where series_names.program is not null
