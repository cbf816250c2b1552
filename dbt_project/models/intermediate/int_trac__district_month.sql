-- One figure per district x month x series: the district's own page where one exists, otherwise the
-- district's row in the national page's ranked districts table (source_table says which).
with district_pages as (
    select
        district_code,
        month,
        series,
        prosecutions,
        'district_page' as source_table,
        is_modelled,
        release_id
    from {{ ref('int_trac__table1') }}
    where geography_type = 'district'
),

rankings as (
    select
        rankings.district_code,
        rankings.month,
        rankings.series,
        rankings.prosecutions,
        'district_ranking' as source_table,
        rankings.is_modelled,
        rankings.release_id
    from {{ ref('int_trac__district_rankings') }} as rankings
    where rankings.district_code is not null
      and not exists (
          select 1
          from district_pages
          where district_pages.district_code = rankings.district_code
            and district_pages.month = rankings.month
            and district_pages.series = rankings.series
      )
)

select * from district_pages
union all
select * from rankings
