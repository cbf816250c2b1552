-- How each month's encounter total changed from release to release: every loaded release's total per
-- source, month, component and geography, next to the previous release's total for the same cell.
with totals as (
    select
        source,
        month,
        component,
        geography_type,
        geography,
        release_id,
        cast(sum(encounter_count) as bigint) as encounter_count,
        bool_or(is_modelled) as is_modelled
    from {{ ref('int_cbp__encounters_all_releases') }}
    group by all
),

ordered as {{ revisions('totals', ['source', 'month', 'component', 'geography_type', 'geography'], 'encounter_count') }}

select
    cast(source as varchar) as source,
    cast(month as date) as month,
    cast(component as varchar) as component,
    cast(geography_type as varchar) as geography_type,
    cast(geography as varchar) as geography,
    cast(release_id as varchar) as release_id,
    cast(published_at as timestamptz) as published_at,
    cast(fetched_at as timestamptz) as fetched_at,
    cast(release_sequence as integer) as release_sequence,
    cast(encounter_count as bigint) as encounter_count,
    cast(previous_release_id as varchar) as previous_release_id,
    cast(previous_encounter_count as bigint) as previous_encounter_count,
    cast(change_from_previous as bigint) as change_from_previous,
    cast(pct_change_from_previous as double) as pct_change_from_previous,
    cast(is_latest_release as boolean) as is_latest_release,
    cast(is_modelled as boolean) as is_modelled
from ordered
