-- Criminal defendants filed, from every loaded EOUSA National Caseload Data release, by district x month
-- x primary program category x lead referring agency, under two datings (see int_eousa__defendants_filed
-- in _int_eousa.yml):
--   defendants_filed                 TRAC's: the case's FIRST filing in U.S. Magistrate Court or U.S.
--                                    District Court. A prosecution filed in magistrate court and
--                                    transferred to district court counts once, in the magistrate month.
--   defendants_filed_district_court  District Court only: the first district court filing; magistrate-only
--                                    prosecutions (most petty 8 U.S.C. 1325 illegal-entry cases) never count.
-- Every code (class, roles, courts, program categories, agencies) is the release's own, resolved by
-- description in int_eousa__codes.
with codes as (
    select * from {{ ref('int_eousa__codes') }}
),

criminal_cases as (
    select c.release_id, c.district_code, c.case_id
    from {{ ref('stg_eousa__cases') }} as c
    inner join codes as k
        on c.release_id = k.release_id and c.case_class = k.code and k.code_use = 'criminal_class'
),

-- the primary category is the one entered first (lowest row id), as the LIONS dashboards take it
primary_category as (
    select release_id, district_code, case_id,
        arg_min(program_category, program_category_row_id) as program_category
    from {{ ref('stg_eousa__case_program_categories') }}
    group by release_id, district_code, case_id
),

-- a program category code's program (immigration, drugs, ...), where its description names one
programs as (
    select release_id, code as program_category, min(replace(code_use, 'program_', '')) as program
    from codes
    where code_use like 'program\_%' escape '\'
    group by release_id, code
),

participants as (
    select * from {{ ref('stg_eousa__participants') }}
),

-- the referring agency is the investigative-agency participant; the first entered leads
lead_agency as (
    select p.release_id, p.district_code, p.case_id, arg_min(p.agency, p.participant_id) as lead_agency
    from participants as p
    inner join codes as k
        on p.release_id = k.release_id and p.role = k.code and k.code_use = 'investigative_agency_role'
    group by p.release_id, p.district_code, p.case_id
),

-- the roles counted as defendants (seeds/ncd_codes.csv decides, in its `counted` column)
defendant_roles as (
    select release_id, code
    from codes
    where code_use in ('defendant_role', 'juvenile_defendant_role', 'sealed_defendant_role')
    group by release_id, code
    having bool_and(counted)
),

defendants as (
    select p.release_id, p.district_code, p.case_id, count(distinct p.participant_id) as defendants
    from participants as p
    inner join defendant_roles as r on p.release_id = r.release_id and p.role = r.code
    group by p.release_id, p.district_code, p.case_id
),

filings as (
    select h.release_id, h.district_code, h.case_id,
        min(h.filing_date) filter (where k.code_use in ('magistrate_court', 'district_court')) as first_filing_date,
        min(h.filing_date) filter (where k.code_use = 'district_court') as first_district_court_filing_date
    from {{ ref('stg_eousa__court_history') }} as h
    inner join codes as k
        on h.release_id = k.release_id and h.court = k.code and k.code_use in ('magistrate_court', 'district_court')
    group by h.release_id, h.district_code, h.case_id
),

cbp_agencies as (
    select release_id, code from codes where code_use = 'cbp_agency'
),

case_facts as (
    select
        c.release_id,
        c.district_code,
        coalesce(pc.program_category, 'none') as program_category,
        pr.program,
        coalesce(la.lead_agency, 'unknown') as lead_agency,
        cbp.code is not null as is_cbp_referred,
        d.defendants,
        f.first_filing_date,
        f.first_district_court_filing_date
    from criminal_cases as c
    inner join defendants as d using (release_id, district_code, case_id)
    inner join filings as f using (release_id, district_code, case_id)
    left join primary_category as pc using (release_id, district_code, case_id)
    left join programs as pr using (release_id, program_category)
    left join lead_agency as la using (release_id, district_code, case_id)
    left join cbp_agencies as cbp on la.release_id = cbp.release_id and la.lead_agency = cbp.code
),

-- each case once per dating, then counted by the month its dating gives
dated as (
    select *, 'first_filing' as dating, first_filing_date as filed_date from case_facts
    union all
    select *, 'district_court' as dating, first_district_court_filing_date as filed_date from case_facts
)

select
    cast(release_id as varchar)                                             as release_id,
    cast(district_code as varchar)                                          as district_code,
    cast(date_trunc('month', filed_date) as date)                           as month,
    cast(program_category as varchar)                                       as program_category,
    cast(program as varchar)                                                as program,
    cast(lead_agency as varchar)                                            as lead_agency,
    cast(is_cbp_referred as boolean)                                        as is_cbp_referred,
    cast(coalesce(sum(defendants) filter (where dating = 'first_filing'), 0) as bigint)   as defendants_filed,
    cast(coalesce(sum(defendants) filter (where dating = 'district_court'), 0) as bigint) as defendants_filed_district_court
from dated
where filed_date is not null
group by all
