-- CBP and OHSS encounters as the latest release tells them: for each source and month, every row of
-- the newest release that covers the month. A whole month is taken from one release, so a dimension
-- a later release dropped cannot survive from an older one.
select *
from {{ latest_release(ref('int_cbp__encounters_all_releases'), ['source', 'month']) }}
