-- The 94 federal judicial districts, with the Border Patrol sectors and OFO field offices whose
-- figures are allocated to each.
with sectors as (
    select district_code, list(sector || ' (' || allocation_weight || ')' order by sector) as bp_sectors
    from {{ ref('sector_district_crosswalk') }}
    group by district_code
),

field_offices as (
    select district_code, list(field_office || ' (' || allocation_weight || ')' order by field_office) as ofo_field_offices
    from {{ ref('field_office_district_crosswalk') }}
    group by district_code
)

select
    cast(d.district_code as varchar) as district_code,
    cast(d.district_name as varchar) as district_name,
    cast(d.trac_name as varchar) as trac_name,
    cast(d.fjc_code as varchar) as fjc_code,
    cast(d.state as varchar) as state,
    cast(d.state_name as varchar) as state_name,
    cast(d.is_sw_border as boolean) as is_sw_border,
    cast(coalesce(s.bp_sectors, []) as varchar[]) as bp_sectors,
    cast(coalesce(f.ofo_field_offices, []) as varchar[]) as ofo_field_offices
from {{ ref('districts') }} as d
left join sectors as s on s.district_code = d.district_code
left join field_offices as f on f.district_code = d.district_code
