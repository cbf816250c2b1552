{#-
  Every loaded release's figure per cell, in release order, beside the previous release's figure for
  the same cell: how a month's number changed as publishers restated it. `relation` has a release_id
  column, the `keys` columns naming a cell, and `value`. Releases are ordered as latest_release orders
  them (last month covered, then publication date, or fetch time where the publisher gave none), so the
  last row per cell is the release the facts show. Adds published_at, fetched_at, release_sequence, previous_release_id,
  previous_<value>, change_from_previous, pct_change_from_previous and is_latest_release.
-#}
{% macro revisions(relation, keys, value) -%}
    (
        select
            cells.*,
            releases.published_at,
            releases.fetched_at,
            row_number() over cell_releases as release_sequence,
            lag(cells.release_id) over cell_releases as previous_release_id,
            lag(cells.{{ value }}) over cell_releases as previous_{{ value }},
            cells.{{ value }} - lag(cells.{{ value }}) over cell_releases as change_from_previous,
            {{ pct_change('cells.' ~ value, 'lag(cells.' ~ value ~ ') over cell_releases') }} as pct_change_from_previous,
            row_number() over cell_releases = count(*) over (partition by {% for k in keys %}cells.{{ k }}{{ ', ' if not loop.last }}{% endfor %})
                as is_latest_release
        from {{ relation }} as cells
        inner join {{ ref('int_meta__loaded_releases') }} as releases
            on cells.release_id = releases.release_id
        window cell_releases as (
            partition by {% for k in keys %}cells.{{ k }}{{ ', ' if not loop.last }}{% endfor %}
            order by releases.last_month_covered asc nulls first,
                     coalesce(releases.published_at, releases.fetched_at) asc, releases.fetched_at asc,
                     cells.release_id asc
        )
    )
{%- endmacro %}
