-- Defendants filed (TRAC's first-filing dating) per southwest border district and SW_BORDER, month and
-- program, from the latest EOUSA NCD release (macros/latest_release.sql). A case's program is its primary
-- program category's, resolved from the release's own code table by description (seeds/ncd_codes.csv).
-- Zero-filled over the release's months, for the programs the release has a category for. Unioned into
-- marts.fct_prosecutions_by_program beside TRAC's national figures.
{%- set first_month = month_var('ncd_first_month', '1994-10') %}
with filed as {{ latest_release(ref('int_eousa__defendants_filed'), []) }},

chosen as (
    select r.release_id, r.is_modelled
    from {{ ref('stg_meta__releases') }} as r
    where r.release_id = (select any_value(f.release_id) from filed as f)
),

border as (
    select district_code from {{ ref('districts') }} where is_sw_border
),

programs as (
    select distinct replace(k.code_use, 'program_', '') as program
    from {{ ref('int_eousa__codes') }} as k
    inner join chosen using (release_id)
    where k.code_use like 'program\_%' escape '\'
),

months as (
    select cast(m.month as date) as month
    from generate_series(
        greatest((select min(month) from filed), {{ first_month }}), (select max(month) from filed), interval 1 month
    ) as m(month)
),

geographies as (
    select district_code as geography from border
    union all
    select 'SW_BORDER' as geography
),

by_district as (
    select f.district_code as geography, f.month, f.program, sum(f.defendants_filed) as prosecutions
    from filed as f
    where f.district_code in (select b.district_code from border as b) and f.program is not null
    group by all
),

counted as (
    select * from by_district
    union all
    select 'SW_BORDER' as geography, month, program, sum(prosecutions) as prosecutions
    from by_district
    group by all
)

select
    cast(g.geography as varchar)                                                        as geography,
    cast(m.month as date)                                                               as month,
    cast(p.program as varchar)                                                          as program,
    cast(coalesce(c.prosecutions, 0) as bigint)                                         as prosecutions,
    cast(case when chosen.is_modelled then 'modelled' else 'derived' end as varchar)    as basis,
    [chosen.release_id]                                                                 as release_ids
from geographies as g
cross join months as m
cross join programs as p
cross join chosen
left join counted as c
    on c.geography = g.geography and c.month = m.month and c.program = p.program
