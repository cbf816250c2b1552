-- A program category code whose description matches two programs' patterns (seeds/ncd_codes.csv) would be
-- counted under whichever sorts first: the patterns must be made to agree.
select release_id, code, list(code_use order by code_use) as code_uses
from {{ ref('int_eousa__codes') }}
where code_use like 'program\_%' escape '\'
group by release_id, code
having count(*) > 1
