-- Criminal defendants filed, from every loaded EOUSA National Caseload Data release, by district x month
-- x primary program category x lead referring agency, under two datings (see int_eousa__defendants_filed
-- in _int_eousa.yml):
--   defendants_filed                 TRAC's: the case's FIRST filing in U.S. Magistrate Court (MG) or
--                                    U.S. District Court (DC). A prosecution filed in magistrate court and
--                                    transferred to district court counts once, in the magistrate month.
--   defendants_filed_district_court  District Court only: the first DC filing; magistrate-only
--                                    prosecutions (most petty 8 U.S.C. 1325 illegal-entry cases) never count.
with criminal_cases as (
    select release_id, district_code, case_id
    from {{ ref('stg_eousa__cases') }}
    where case_class = 'R'
),

-- the primary category is the one entered first (lowest row id), as the LIONS dashboards take it
primary_category as (
    select release_id, district_code, case_id,
        arg_min(program_category, program_category_row_id) as program_category
    from {{ ref('stg_eousa__case_program_categories') }}
    group by release_id, district_code, case_id
),

participants as (
    select * from {{ ref('stg_eousa__participants') }}
),

-- the referring agency is the investigative-agency participant (role IN); the first entered leads
lead_agency as (
    select release_id, district_code, case_id, arg_min(agency, participant_id) as lead_agency
    from participants
    where role = 'IN'
    group by release_id, district_code, case_id
),

-- defendants: every role starting with D (D, DJ juvenile, D* sealed, ...), counted once each
defendants as (
    select release_id, district_code, case_id, count(distinct participant_id) as defendants
    from participants
    where role like 'D%'
    group by release_id, district_code, case_id
),

filings as (
    select release_id, district_code, case_id,
        min(filing_date) filter (where court in ('MG', 'DC')) as first_filing_date,
        min(filing_date) filter (where court = 'DC') as first_district_court_filing_date
    from {{ ref('stg_eousa__court_history') }}
    group by release_id, district_code, case_id
),

case_facts as (
    select
        c.release_id,
        c.district_code,
        coalesce(pc.program_category, 'none') as program_category,
        coalesce(la.lead_agency, 'unknown') as lead_agency,
        d.defendants,
        f.first_filing_date,
        f.first_district_court_filing_date
    from criminal_cases as c
    inner join defendants as d using (release_id, district_code, case_id)
    inner join filings as f using (release_id, district_code, case_id)
    left join primary_category as pc using (release_id, district_code, case_id)
    left join lead_agency as la using (release_id, district_code, case_id)
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
    cast(lead_agency as varchar)                                            as lead_agency,
    cast(coalesce(sum(defendants) filter (where dating = 'first_filing'), 0) as bigint)   as defendants_filed,
    cast(coalesce(sum(defendants) filter (where dating = 'district_court'), 0) as bigint) as defendants_filed_district_court
from dated
where filed_date is not null
group by all
