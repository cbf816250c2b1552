{#-
  The rows of the latest release for each key. Releases are ordered newest first by
  0. a real release before a modelled one (meta.releases.is_modelled): crowdout's modelled samples never
     displace a publisher's own figures, whatever months they reach (an NCD sample dump of 2019 beside a
     real 2018 dump);
  1. the last month they cover (meta.releases.months_covered): of two editions of a rolling file, the one
     that reaches a later month is the later one, whatever order they were fetched in, so an older file a
     page still links never displaces a newer one loaded by hand;
  2. when they were published (published_at, the publisher's Last-Modified) or, where the publisher gave
     no date (a file:// sample, a file loaded by hand), when they were fetched;
  3. fetched_at, then release_id, so ties resolve the same way every run.
  `relation` is a ref or a CTE name with a release_id column; `partition_by` lists the key columns (empty:
  the latest release of the whole relation).
  Every row of the winning release for a key is kept, so a key's figure is never mixed across releases.
  Releases in use come from int_meta__loaded_releases, so a mart using this macro reads no staging model.
-#}
{% macro latest_release(relation, partition_by) -%}
    (
        select ranked.* exclude (release_rank)
        from (
            select
                keyed.*,
                dense_rank() over (
                    {% if partition_by %}partition by {{ partition_by | join(', ') }}{% endif %}
                    order by release_order.is_modelled asc,
                             release_order.last_month_covered desc nulls last,
                             coalesce(release_order.published_at, release_order.fetched_at) desc,
                             release_order.fetched_at desc,
                             keyed.release_id desc
                ) as release_rank
            from {{ relation }} as keyed
            inner join {{ ref('int_meta__loaded_releases') }} as release_order
                on keyed.release_id = release_order.release_id
        ) as ranked
        where release_rank = 1
    )
{%- endmacro %}
