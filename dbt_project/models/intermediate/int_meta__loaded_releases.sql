-- Every release loaded and in use (status 'loaded': not failed, not withdrawn), with the dates the marts
-- order releases by: the marts read releases here, never from staging. A view, like the staging model it
-- reads: meta.releases is small and changes outside dbt (a withdrawal, a restore), and a mart rebuilt alone
-- must see it as it is now.
{{ config(materialized='view') }}

select
    release_id,
    family,
    is_modelled,
    fetched_at,
    published_at,
    loaded_at,
    months_covered,
    list_max(months_covered) as last_month_covered
from {{ ref('stg_meta__releases') }}
where status = 'loaded'
