-- SW_BORDER is the sum of its five districts (where all five give a figure), and NON_BORDER is US minus
-- SW_BORDER, for every prosecution figure and month of fct_displacement_district_month. A SW_BORDER figure
-- TRAC published for the five districts (basis 'published') is kept as printed, not replaced by the sum:
-- fct_published_figure_checks reports how far the districts' sum is from it.
with d as (
    select * from {{ ref('fct_displacement_district_month') }}
),

district_sums as (
    select
        month,
        sum(immigration_prosecutions) as immigration_prosecutions,
        sum(non_immigration_prosecutions) as non_immigration_prosecutions,
        sum(total_prosecutions) as total_prosecutions,
        sum(cbp_referred_prosecutions) as cbp_referred_prosecutions,
        count(immigration_prosecutions) as n_immigration,
        count(total_prosecutions) as n_total,
        count(cbp_referred_prosecutions) as n_cbp_referred
    from d
    where geography_type = 'district'
    group by month
),

sw as (select * from d where geography = 'SW_BORDER'),
us as (select * from d where geography = 'US'),
nb as (select * from d where geography = 'NON_BORDER')

select sw.month, 'SW_BORDER != sum of districts' as problem
from sw
inner join district_sums as s on s.month = sw.month
where (s.n_immigration = 5 and sw.immigration_prosecutions is distinct from s.immigration_prosecutions)
   or (s.n_total = 5 and s.n_immigration = 5 and sw.non_immigration_prosecutions_basis <> 'published'
       and sw.non_immigration_prosecutions is distinct from s.non_immigration_prosecutions)
   or (s.n_total = 5 and sw.total_prosecutions is distinct from s.total_prosecutions)
   or (s.n_cbp_referred = 5 and sw.cbp_referred_prosecutions_basis <> 'published'
       and sw.cbp_referred_prosecutions is distinct from s.cbp_referred_prosecutions)
   or (s.n_immigration < 5 and sw.immigration_prosecutions is not null)

union all

select nb.month, 'NON_BORDER != US - SW_BORDER'
from nb
inner join us on us.month = nb.month
inner join sw on sw.month = nb.month
where nb.immigration_prosecutions is distinct from us.immigration_prosecutions - sw.immigration_prosecutions
   or nb.total_prosecutions is distinct from us.total_prosecutions - sw.total_prosecutions
   or nb.cbp_referred_prosecutions is distinct from us.cbp_referred_prosecutions - sw.cbp_referred_prosecutions
   or nb.bp_apprehensions is distinct from us.bp_apprehensions - sw.bp_apprehensions
