-- National prosecutions per TRAC program bulletin (immigration, drugs, weapons, white collar, terrorism,
-- organized crime, regulatory, ...) and month: the program series of int_trac__national_month (a page's
-- Table 1, or TRAC's published figure where it replaces a modelled one), keyed by the program key of TRAC's
-- catalogue (seed trac_catalogue). The overall bulletin (program key 'all') is every program together, not a
-- program beside them, so it is left out. TRAC's program pages are national: every row is geography US.
-- Same columns as int_eousa__prosecutions_by_program (the border districts and SW_BORDER from EOUSA NCD).
select
    'US' as geography,
    national.month,
    catalogue.program,
    national.prosecutions,
    national.basis,
    national.release_ids
from {{ ref('int_trac__national_month') }} as national
inner join {{ ref('trac_series') }} as series_names
    on national.series = series_names.series
inner join {{ ref('trac_catalogue') }} as catalogue
    on series_names.trac_series = catalogue.trac_series
where catalogue.series_kind = 'program'
  and catalogue.program <> 'all'
