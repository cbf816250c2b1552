-- How each TRAC figure changed from release to release: a national bulletin page loaded again with
-- different bytes is a restatement (or a real page loaded over a sample one); every loaded release's
-- Table 1 count per series and month is kept here, next to the previous release's.
with pages as (
    select * from {{ ref('int_trac__table1_releases') }}
),

ordered as {{ revisions('pages', ['series', 'month'], 'prosecutions') }}

select
    cast(series as varchar) as series,
    cast(month as date) as month,
    cast(release_id as varchar) as release_id,
    cast(published_at as timestamptz) as published_at,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(release_sequence as integer) as release_sequence,
    cast(prosecutions as bigint) as prosecutions,
    cast(prosecutions_basis as varchar) as prosecutions_basis,
    cast(previous_release_id as varchar) as previous_release_id,
    cast(previous_prosecutions as bigint) as previous_prosecutions,
    cast(change_from_previous as bigint) as change_from_previous,
    cast(pct_change_from_previous as double) as pct_change_from_previous,
    cast(is_latest_release as boolean) as is_latest_release,
    cast(prosecutions_basis = 'modelled' as boolean) as is_modelled
from ordered
