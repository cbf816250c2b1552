-- How each TRAC figure changed from release to release: a bulletin page loaded again with different
-- bytes is a restatement; every loaded release's figure per series, geography and month is kept here,
-- next to the previous release's. TRAC is not known to revise pages, so most cells have one release.
with pages as (
    select
        series_names.series,
        pages.geography_type,
        pages.district_code,
        pages.month,
        pages.release_id,
        pages.prosecutions,
        pages.is_modelled
    from {{ ref('stg_trac__table1') }} as pages
    inner join {{ ref('trac_series') }} as series_names
        on pages.trac_series = series_names.trac_series
),

ordered as {{ revisions('pages', ['series', 'geography_type', 'district_code', 'month'], 'prosecutions') }}

select
    cast(series as varchar) as series,
    cast(geography_type as varchar) as geography_type,
    cast(district_code as varchar) as district_code,
    cast(month as date) as month,
    cast(release_id as varchar) as release_id,
    cast(published_at as timestamptz) as published_at,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(release_sequence as integer) as release_sequence,
    cast(prosecutions as bigint) as prosecutions,
    cast(previous_release_id as varchar) as previous_release_id,
    cast(previous_prosecutions as bigint) as previous_prosecutions,
    cast(change_from_previous as bigint) as change_from_previous,
    cast(pct_change_from_previous as double) as pct_change_from_previous,
    cast(is_latest_release as boolean) as is_latest_release,
    cast(is_modelled as boolean) as is_modelled
from ordered
