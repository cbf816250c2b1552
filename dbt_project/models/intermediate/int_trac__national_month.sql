-- The national (all 94 districts) figure per series and month: the national page's Table 1, or TRAC's
-- published figure for the month where no page gives one or the page's figure is modelled (a published
-- figure replaces a modelled one; a published page's figure is kept as is).
with pages as (
    select
        month,
        series,
        prosecutions,
        prosecutions_basis as basis,
        'table1' as source_table,
        [release_id] as release_ids
    from {{ ref('int_trac__table1') }}
),

published as (
    select
        period_start as month,
        series,
        cast(published_value as bigint) as prosecutions,
        'published' as basis,
        'published_figures' as source_table,
        [release_id] as release_ids
    from {{ ref('int_trac__published_figures') }}
    where geography = 'US' and is_single_month and unit = 'defendants' and series is not null
)

select pages.*
from pages
where not exists (
    select 1 from published
    where published.month = pages.month and published.series = pages.series and pages.basis = 'modelled'
)
union all
select published.*
from published
where not exists (
    select 1 from pages
    where pages.month = published.month and pages.series = published.series and pages.basis = 'published'
)
