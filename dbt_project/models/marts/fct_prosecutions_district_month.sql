-- Federal prosecutions per judicial district (and the nation, district_code 'US'), month and series, each
-- figure with its own basis, source and releases. Where several sources give a figure, one wins, in this
-- order (precedence; see the model's yml):
--   1 a figure TRAC published (crowdout's curated file, trac-published-figures)
--   2 the count derived from a real EOUSA National Caseload Data release (fct_ncd_defendants_filed_...)
--   3 a TRAC bulletin figure (a national page's Table 1 or ranked districts table, or all - immigration)
--   4 a modelled TRAC bulletin figure
-- and a row with no figure (missing_reason says why) only where no source gives one. A modelled NCD
-- release (the bundled sample: 6,167 invented cases over 93 districts and 36 months, a format fixture
-- hundreds of times below real volumes) fills no figure here: spliced into a series beside TRAC's
-- figures it would draw a collapse that is only the sample's size. It stays in its own mart. The nation
-- is also the sum of the districts' winning figures where every district a real NCD release reports has
-- one: that sum ranks 2 if it is derived and 5 if any part is modelled, so it replaces a bulletin's Table 1
-- only when it is real.
{%- set provisional_months = var('provisional_months', 3) | int %}

with trac_districts as (
    select
        district_code,
        'district' as geography_type,
        month,
        series,
        prosecutions,
        basis,
        source_table,
        missing_reason,
        release_ids
    from {{ ref('int_trac__district_month') }}
),

ncd_districts as (
    select
        district_code,
        'district' as geography_type,
        month,
        series,
        defendants_filed as prosecutions,
        basis,
        'ncd' as source_table,
        cast(null as varchar) as missing_reason,
        [release_id] as release_ids
    from {{ ref('fct_ncd_defendants_filed_district_month') }}
    where basis = 'derived'  -- a real release only (see above)
),

trac_nation as (
    select
        'US' as district_code,
        'national' as geography_type,
        month,
        series,
        prosecutions,
        basis,
        source_table,
        cast(null as varchar) as missing_reason,
        release_ids
    from {{ ref('int_trac__national_month') }}
),

ranked_districts as (
    select
        *,
        {{ prosecution_precedence() }} as precedence
    from (
        select * from trac_districts
        union all
        select * from ncd_districts
    ) as candidates
),

districts as (
    select * exclude (precedence)
    from ranked_districts
    qualify row_number() over (partition by district_code, month, series order by precedence) = 1
),

-- the districts an NCD release reports: all of them (the Northern Mariana Islands' cases are filed under
-- Guam, so a release has no MP of its own)
ncd_district_codes as (
    select distinct district_code from ncd_districts
),

-- the nation as the sum of every district's winning figure, where every district NCD reports has one
sum_of_districts as (
    select
        'US' as district_code,
        'national' as geography_type,
        month,
        series,
        cast(sum(prosecutions) as bigint) as prosecutions,
        {{ combined_basis('list(basis)') }} as basis,
        'sum_of_districts' as source_table,
        cast(null as varchar) as missing_reason,
        list_distinct(flatten(list(release_ids))) as release_ids
    from districts
    where district_code in (select district_code from ncd_district_codes)
    group by month, series
    having count(prosecutions) = (select count(*) from ncd_district_codes)
),

nation as (
    select * exclude (precedence)
    from (
        select *, {{ prosecution_precedence() }} as precedence
        from (
            select * from trac_nation
            union all
            select * from sum_of_districts
        ) as candidates
    ) as ranked
    qualify row_number() over (partition by month, series order by precedence) = 1
),

facts as (
    select * from districts
    union all
    select * from nation
),

-- the last provisional_months months of each district's (or the nation's) series, counted back from the
-- latest month a monthly release (a bulletin page, an NCD dump) gives it a figure for: TRAC and EOUSA
-- revise their latest months. A figure TRAC printed in a report is final as printed and is never
-- provisional, nor does it extend a series (such figures are scattered months, not a monthly series).
latest as (
    select
        district_code,
        series,
        max(month) filter (where prosecutions is not null and source_table <> 'published_figures') as last_month
    from facts
    group by district_code, series
)

select
    cast(facts.district_code as varchar) as district_code,
    cast(facts.geography_type as varchar) as geography_type,
    cast(facts.month as date) as month,
    cast(facts.series as varchar) as series,
    cast(facts.prosecutions as bigint) as prosecutions,
    cast(facts.basis as varchar) as basis,
    cast(facts.source_table as varchar) as source_table,
    cast(facts.missing_reason as varchar) as missing_reason,
    cast(facts.basis = 'modelled' as boolean) as is_modelled,
    cast(
        coalesce(
            facts.source_table <> 'published_figures'
            and facts.month > latest.last_month - interval ({{ provisional_months }}) month,
            false
        ) as boolean
    ) as is_provisional,
    cast(facts.release_ids as varchar[]) as release_ids
from facts
inner join latest using (district_code, series)
