-- Per NCD release, every code the counts rely on (seeds/ncd_codes.csv), resolved from the release's own
-- code tables by description; the documented code only where the release has no such code table.
with uses as (
    select * from {{ ref('ncd_codes') }}
),

releases as (
    select distinct release_id from {{ ref('stg_eousa__cases') }}
),

-- descriptions compared as lowercase words: '&' is 'and', punctuation is a space
release_codes as (
    select
        release_id,
        code_table,
        code,
        description,
        trim(regexp_replace(replace(lower(description), '&', ' and '), '[^a-z0-9]+', ' ', 'g')) as description_key
    from {{ ref('stg_eousa__codes') }}
),

tables_present as (
    select distinct release_id, code_table from release_codes
),

from_release as (
    select
        rc.release_id,
        u.code_use,
        rc.code,
        any_value(rc.description) as description,
        'release_code_table' as resolved_from
    from release_codes as rc
    inner join uses as u
        on rc.code_table = u.code_table and regexp_full_match(rc.description_key, u.description_pattern)
    group by rc.release_id, u.code_use, rc.code
),

documented as (
    select
        r.release_id,
        u.code_use,
        unnest(string_split(u.documented_codes, ' ')) as code,
        cast(null as varchar) as description,
        'documented' as resolved_from
    from releases as r
    cross join uses as u
    where
        coalesce(u.documented_codes, '') <> ''
        and not exists (
            select 1 from tables_present as t
            where t.release_id = r.release_id and t.code_table = u.code_table
        )
),

resolved as (
    select * from from_release
    union all
    select * from documented
)

select
    cast(r.release_id as varchar)       as release_id,
    cast(r.code_use as varchar)         as code_use,
    cast(r.code as varchar)             as code,
    cast(r.description as varchar)      as description,
    cast(r.resolved_from as varchar)    as resolved_from,
    cast(u.counted as boolean)          as counted
from resolved as r
inner join uses as u using (code_use)
