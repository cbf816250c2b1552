-- Every geography row of fct_displacement_district_month adds up, for every count and every month:
--   * NON_BORDER = US - SW_BORDER, for every count (prosecutions of each series, Border Patrol
--     apprehensions, OFO inadmissibles) and every additive metric (expected, missing and cumulative missing
--     non-immigration prosecutions under each counterfactual: they are linear in the counts);
--   * SW_BORDER = the sum of its five districts where all five give the count, and NULL where one does not,
--     except that a count TRAC published for the five districts is kept as printed: then SW_BORDER must be
--     the districts' sum plus the residual it carries (<count>_residual), and the residual must be 0 where
--     any district's figure is modelled (modelled districts are scaled to TRAC's figure);
--   * the additive metrics of SW_BORDER equal the districts' sums where SW_BORDER carries no residual in
--     any month (a residual moves SW_BORDER's own series, and so its metrics, away from the districts').
-- Compared with a tolerance of 1e-6 for the metrics (averages of whole numbers).
{%- set counts = ['immigration_prosecutions', 'non_immigration_prosecutions', 'total_prosecutions',
                  'cbp_referred_prosecutions', 'bp_apprehensions', 'ofo_inadmissibles'] %}
{%- set with_residual = ['non_immigration_prosecutions', 'cbp_referred_prosecutions'] %}
{%- set metrics = [] %}
{%- for cf in ['', '_year_ago', '_trend'] %}
{%- do metrics.extend(['expected_non_immigration' ~ cf, 'missing_non_immigration' ~ cf,
                       'cumulative_missing_non_immigration' ~ cf]) %}
{%- endfor %}

with d as (
    select * from {{ ref('fct_displacement_district_month') }}
),

district_sums as (
    select
        month,
        {%- for c in counts + metrics %}
        case when count({{ c }}) = count(*) then sum({{ c }}) end as {{ c }},
        {%- endfor %}
        {%- for c in with_residual %}
        bool_or({{ c }}_basis in ('modelled', 'modelled_scaled_to_published')) as {{ c }}_any_modelled,
        {%- endfor %}
        count(*) as districts
    from d
    where geography_type = 'district'
    group by month
),

sw as (select * from d where geography = 'SW_BORDER'),
us as (select * from d where geography = 'US'),
nb as (select * from d where geography = 'NON_BORDER'),

sw_without_residual as (
    select not coalesce(bool_or(
        {%- for c in with_residual %}
        coalesce({{ c }}_residual, 0) <> 0{{ ' or' if not loop.last }}
        {%- endfor %}
    ), false) as holds
    from sw
)

{%- for c in counts %}
select nb.month, 'NON_BORDER != US - SW_BORDER: {{ c }}' as problem
from nb
inner join us on us.month = nb.month
inner join sw on sw.month = nb.month
where nb.{{ c }} is distinct from us.{{ c }} - sw.{{ c }}
union all
select sw.month, 'SW_BORDER != sum of the five districts: {{ c }}' as problem
from sw
inner join district_sums as s on s.month = sw.month
where s.districts <> 5
   or (s.{{ c }} is not null and sw.{{ c }}
       {%- if c in with_residual %} - coalesce(sw.{{ c }}_residual, 0){% endif %} is distinct from s.{{ c }})
   {%- if c in with_residual %}
   or (s.{{ c }} is null and sw.{{ c }}_basis is distinct from 'published' and sw.{{ c }} is not null)
   or (s.{{ c }}_any_modelled and coalesce(sw.{{ c }}_residual, 0) <> 0)
   {%- else %}
   or (s.{{ c }} is null and sw.{{ c }} is not null)
   {%- endif %}
union all
{%- endfor %}
{%- for c in metrics %}
select nb.month, 'NON_BORDER != US - SW_BORDER: {{ c }}' as problem
from nb
inner join us on us.month = nb.month
inner join sw on sw.month = nb.month
where (nb.{{ c }} is null) <> (us.{{ c }} is null or sw.{{ c }} is null)
   or abs(nb.{{ c }} - (us.{{ c }} - sw.{{ c }})) > 1e-6
union all
select sw.month, 'SW_BORDER != sum of the five districts: {{ c }}' as problem
from sw
inner join district_sums as s on s.month = sw.month
where (select holds from sw_without_residual)
  and ((sw.{{ c }} is null) <> (s.{{ c }} is null) or abs(sw.{{ c }} - s.{{ c }}) > 1e-6)
{{ 'union all' if not loop.last }}
{%- endfor %}
