-- Defendants filed per district, month and series from ONE EOUSA National Caseload Data release: every dump
-- is cumulative (it restates all earlier months), so the latest one is used, by the project's one rule
-- (macros/latest_release.sql: a real release before a modelled one, then the latest month covered). All
-- districts the release has cases for, every month from ncd_first_month (default 1994-10, the LIONS
-- dashboards' start) to its last filing month, zero-filled.
{%- set first_month = month_var('ncd_first_month', '1994-10') %}
with filed as {{ latest_release(ref('int_eousa__defendants_filed'), []) }},

chosen as (
    select
        r.release_id,
        r.is_modelled,
        (select min(f.month) from filed as f) as first_month,
        (select max(f.month) from filed as f) as last_month
    from {{ ref('int_meta__loaded_releases') }} as r
    where r.release_id = (select any_value(f.release_id) from filed as f)
),

districts as (
    select d.district_code
    from {{ ref('dim_district') }} as d
    where d.district_code in (
        select c.district_code from {{ ref('int_eousa__release_districts') }} as c inner join chosen using (release_id)
    )
),

months as (
    select cast(m.month as date) as month
    from chosen,
        generate_series(greatest(chosen.first_month, {{ first_month }}), chosen.last_month, interval 1 month) as m(month)
),

series(series) as (
    values ('immigration'), ('non_immigration'), ('all'), ('cbp_referred')
),

by_series as (
    select district_code, month, 'immigration' as series, defendants_filed, defendants_filed_district_court
    from filed where program = 'immigration'
    union all
    select district_code, month, 'non_immigration' as series, defendants_filed, defendants_filed_district_court
    from filed where program is distinct from 'immigration'
    union all
    select district_code, month, 'all' as series, defendants_filed, defendants_filed_district_court
    from filed
    union all
    select district_code, month, 'cbp_referred' as series, defendants_filed, defendants_filed_district_court
    from filed where is_cbp_referred
),

totals as (
    select district_code, month, series,
        sum(defendants_filed) as defendants_filed,
        sum(defendants_filed_district_court) as defendants_filed_district_court
    from by_series
    group by all
)

select
    cast(d.district_code as varchar)                                    as district_code,
    cast(m.month as date)                                               as month,
    cast(s.series as varchar)                                           as series,
    cast(coalesce(t.defendants_filed, 0) as bigint)                     as defendants_filed,
    cast(coalesce(t.defendants_filed_district_court, 0) as bigint)      as defendants_filed_district_court,
    cast(case when chosen.is_modelled then 'modelled' else 'derived' end as varchar) as basis,
    cast(chosen.release_id as varchar)                                  as release_id
from districts as d
cross join months as m
cross join series as s
cross join chosen
left join totals as t
    on t.district_code = d.district_code and t.month = m.month and t.series = s.series
