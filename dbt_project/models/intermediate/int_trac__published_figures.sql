-- Every figure of the latest release of crowdout's curated file of TRAC's published figures, with the
-- warehouse's series name and geography: US, SW_BORDER (TRAC's "5 SW border districts") or a district
-- code matched on TRAC's district name without commas and parenthesised seats ("Texas West" and "Texas
-- West (San Antonio)" are TXW). geography NULL = not a geography the warehouse keeps (a USAO office,
-- Border Patrol's own records); series NULL = not a series it keeps. comparable says whether both are known.
with latest as {{ latest_release(ref('stg_trac__published_figures'), []) }},

district_names as (
    select
        district_code,
        regexp_replace(lower(trac_name), '\s*\(.*\)|,', '', 'g') as plain_name
    from {{ ref('districts') }}
)

select
    latest.release_id,
    latest.source_row,
    latest.published_series,
    series_names.series,
    latest.published_geography,
    case
        when latest.published_geography = 'US (all 94 districts)' then 'US'
        when latest.published_geography = '5 SW border districts' then 'SW_BORDER'
        else district_names.district_code
    end as geography,
    latest.period,
    latest.period_start,
    latest.period_end,
    latest.period_start = latest.period_end as is_single_month,
    latest.published_value,
    latest.unit,
    latest.published_change_prev_month,
    latest.published_change_1yr,
    latest.source_url,
    latest.note,
    -- a monthly bulletin's own Table 1: the same document the trac-bulletin family loads
    regexp_matches(latest.source_url, '/tracreports/bulletins/[a-z_]+/monthly[a-z]{3}[0-9]{2}/fil') as is_bulletin_table1
from latest
left join {{ ref('trac_series') }} as series_names
    on latest.published_series = series_names.published_series
left join district_names
    on district_names.plain_name = regexp_replace(lower(latest.published_geography), '\s*\(.*\)|,', '', 'g')
