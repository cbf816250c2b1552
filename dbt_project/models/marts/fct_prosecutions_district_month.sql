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

-- TRAC's published figures for the five southwest border districts together, per series and month
sw_published as (
    select period_start as month, series, cast(published_value as bigint) as published
    from {{ ref('int_trac__published_figures') }}
    where geography = 'SW_BORDER' and is_single_month and unit = 'defendants' and series is not null
),

-- Where TRAC published the five districts' figure and some of them have only modelled figures, the modelled
-- ones are scaled so that the five add up to TRAC's figure: the modelled figures only split the published
-- total between districts (basis modelled_scaled_to_published), rounded to whole prosecutions by largest
-- remainder so the sum is exact. Real district figures are never scaled: where they disagree with TRAC's
-- figure (another snapshot), SW_BORDER keeps TRAC's and carries their sum and the residual beside it
-- (int_displacement__base).
sw_parts as (
    select
        districts.*,
        sw_published.published
            - coalesce(sum(districts.prosecutions) filter (where not {{ is_modelled_basis('districts.basis') }}) over five, 0)
            as modelled_target,
        sum(districts.prosecutions) filter (where {{ is_modelled_basis('districts.basis') }}) over five as modelled_sum,
        count(districts.prosecutions) over five as districts_with_figure
    from districts
    inner join sw_published using (month, series)
    where districts.district_code in (select seed.district_code from {{ ref('districts') }} as seed where seed.is_sw_border)
    window five as (partition by districts.month, districts.series)
),

scaled_exact as (
    select
        *,
        prosecutions * modelled_target / modelled_sum as exact
    from sw_parts
    where {{ is_modelled_basis('basis') }} and districts_with_figure = 5 and modelled_sum > 0 and modelled_target > 0
),

scaled as (
    select
        district_code,
        month,
        series,
        cast(floor(exact) as bigint)
        + case
            when row_number() over five_by_remainder
                 <= modelled_target - sum(floor(exact)) over (partition by month, series) then 1
            else 0
        end as prosecutions
    from scaled_exact
    window five_by_remainder as (partition by month, series order by exact - floor(exact) desc, district_code)
),

-- a district whose non-immigration figure was scaled keeps immigration + non-immigration = all: its modelled
-- total becomes the two added up (same basis)
rescaled as (
    select district_code, month, series, prosecutions from scaled
    union all
    select imm.district_code, imm.month, 'all' as series, imm.prosecutions + non_imm.prosecutions as prosecutions
    from scaled as non_imm
    inner join districts as imm
        on imm.district_code = non_imm.district_code and imm.month = non_imm.month and imm.series = 'immigration'
    inner join districts as total
        on total.district_code = non_imm.district_code and total.month = non_imm.month and total.series = 'all'
    where non_imm.series = 'non_immigration'
      and {{ is_modelled_basis('total.basis') }}
      and not exists (select 1 from scaled as s where s.series = 'all' and s.district_code = non_imm.district_code
                                                   and s.month = non_imm.month)
),

districts_scaled as (
    select
        districts.* replace (
            coalesce(rescaled.prosecutions, districts.prosecutions) as prosecutions,
            case when rescaled.prosecutions is not null then 'modelled_scaled_to_published' else districts.basis end
                as basis
        )
    from districts
    left join rescaled using (district_code, month, series)
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
    from districts_scaled
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
    select * from districts_scaled
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
    cast({{ is_modelled_basis('facts.basis') }} as boolean) as is_modelled,
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
