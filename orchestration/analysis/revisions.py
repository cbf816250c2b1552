"""`crowdout revisions`: how a restated release changed figures, from the two revision marts.

A publisher that restates a month (CBP's files restate every month they cover; a TRAC page may be
loaded again with different bytes) leaves both figures in the warehouse: the revision marts keep every
release's figure beside the previous release's. This reads the two as one list of changed figures, the
newest first, for a family and from a date, so an analyst can see what a new edition moved and by how
much. Unchanged cells are counted, not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from orchestration.analysis.reader import AnalysisError, reading, require_table

PROSECUTIONS = "marts.fct_prosecution_revisions"
ENCOUNTERS = "marts.fct_encounter_revisions"

# One shape for both marts: the family is the release id's prefix (as in meta.releases).
RESTATED = f"""
SELECT split_part(release_id, ':', 1) AS family, release_id, previous_release_id, fetched_at, month,
       series || ' prosecutions, national' AS figure,
       previous_prosecutions AS previous, prosecutions AS current, change_from_previous AS change,
       pct_change_from_previous AS pct_change, is_modelled
FROM {PROSECUTIONS} WHERE previous_release_id IS NOT NULL
UNION ALL
SELECT split_part(release_id, ':', 1), release_id, previous_release_id, fetched_at, month,
       concat_ws(', ', component, geography) || ' encounters',
       previous_encounter_count, encounter_count, change_from_previous, pct_change_from_previous, is_modelled
FROM {ENCOUNTERS} WHERE previous_release_id IS NOT NULL
"""


@dataclass(frozen=True)
class Revisions:
    changed: pa.Table  # one row per figure a later release changed, newest release first
    unchanged: int  # figures restated with the same value
    releases: int  # restating releases considered


def load(warehouse: Path, family: str | None = None, since: dt.datetime | dt.date | None = None,
         release_ids: list[str] | None = None) -> Revisions:
    """Restated figures of `family` (every family when None) in releases fetched from `since` on, or
    in the releases `release_ids` alone (a run's, as its events name them)."""
    with reading(warehouse) as con:
        require_table(con, PROSECUTIONS)
        require_table(con, ENCOUNTERS)
        if family is not None:
            known = [r[0] for r in con.execute("SELECT DISTINCT family FROM meta.releases ORDER BY 1").fetchall()]
            if family not in known:
                raise AnalysisError(f"no family {family!r} in meta.releases; choose one of: {', '.join(known)}")
        where = ("($family IS NULL OR family = $family) AND ($since IS NULL OR fetched_at >= $since) "
                 "AND ($ids IS NULL OR list_contains($ids, release_id))")
        params = {"family": family, "since": since, "ids": release_ids}
        changed = con.sql(f"SELECT * FROM ({RESTATED}) WHERE {where} AND change <> 0 "
                          "ORDER BY fetched_at DESC, family, month, figure", params=params).to_arrow_table()
        unchanged, releases = con.execute(
            f"SELECT count(*) FILTER (WHERE change = 0), count(DISTINCT release_id) FROM ({RESTATED}) WHERE {where}",
            params).fetchone()
    return Revisions(changed, unchanged, releases)


def parse_since(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01")
    except ValueError:
        raise AnalysisError(f"--since {text!r} is not a date, YYYY-MM-DD or YYYY-MM") from None
