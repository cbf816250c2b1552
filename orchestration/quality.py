"""Ingestion checks: is what a release loaded plausible next to what came before it?

Connectors already refuse files they cannot parse; these checks catch files that parse but are wrong in
ways only history shows: a restated file that lost rows or months, a table whose columns drifted from
what the connector declares. Plain functions over a DuckDB connection, so Dagster asset checks and tests
call the same code.

Releases are compared with the previous release *of the same series*: the release key without its
numbers and month names (`immigration/2018-03/AZ` -> `immigration/-/AZ`, `...-fy23-fy26-jan-aor.csv` ->
`...-fy-fy-aor.csv`), so a TRAC page is compared with the same page a month earlier and a CBP file with
its previous edition, whatever months its name carries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

import duckdb

from orchestration.sources.release import RawColumn

# A release with fewer than this share of its predecessor's rows fails (blocks dbt) or warns.
ROW_RATIO_ERROR = 0.5
ROW_RATIO_WARN = 0.9

_SERIES = (
    "regexp_replace(regexp_replace(release_key, '[0-9]+', '', 'g'), "
    "'-(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\\b', '', 'gi')"
)


@dataclass(frozen=True)
class Outcome:
    passed: bool
    description: str
    blocking: bool = False  # a failure that must stop dbt; otherwise a warning
    metadata: dict = field(default_factory=dict)


def schema_unchanged(con: duckdb.DuckDBPyConnection, table: str, declared: Sequence[RawColumn]) -> Outcome:
    """The warehouse table still has the columns the connector declares, in order, with their types.

    Raw tables are created once and never altered, so a connector that changes its output would
    otherwise fail at insert time or, worse, load into columns of the old meaning.
    """
    rows = con.execute(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position""",
        [table],
    ).fetchall()
    actual = [f"{name} {dtype}" for name, dtype in rows]
    expected = ["release_id VARCHAR"] + [f"{c.name} {c.type}" for c in declared]
    if actual == expected:
        return Outcome(True, f"raw.{table} has the {len(expected)} declared columns",
                       metadata={"columns": len(actual)})
    missing = [c for c in expected if c not in actual]
    extra = [c for c in actual if c not in expected]
    return Outcome(
        False, f"raw.{table} differs from the connector's declaration: missing {missing}, extra {extra}",
        blocking=True, metadata={"missing": ", ".join(missing), "extra": ", ".join(extra)},
    )


def row_count_vs_previous(con: duckdb.DuckDBPyConnection, family: str, table: str) -> Outcome:
    """The newest release of each series has not lost rows against the release before it."""
    rows = con.execute(
        f"""
        WITH rel AS (
            SELECT release_id, {_SERIES} AS series, list_max(months_covered) AS last_month, loaded_at
            FROM meta.releases WHERE family = ? AND status = 'loaded'
        ), counts AS (
            SELECT release_id, count(*) AS n FROM raw.{table} GROUP BY release_id
        ), ranked AS (
            SELECT series, release_id, coalesce(n, 0) AS n,
                   row_number() OVER (PARTITION BY series
                                      ORDER BY last_month DESC NULLS LAST, loaded_at DESC) AS rn
            FROM rel LEFT JOIN counts USING (release_id)
        )
        SELECT series,
               any_value(release_id) FILTER (WHERE rn = 1),
               any_value(n) FILTER (WHERE rn = 1),
               any_value(release_id) FILTER (WHERE rn = 2),
               any_value(n) FILTER (WHERE rn = 2)
        FROM ranked GROUP BY series ORDER BY series
        """,
        [family],
    ).fetchall()
    compared = [(s, new_id, new_n, old_id, old_n) for s, new_id, new_n, old_id, old_n in rows if old_n]
    if not compared:
        return Outcome(True, f"raw.{table}: no earlier release to compare with",
                       metadata={"series_compared": 0})
    series, new_id, new_n, old_id, old_n = min(compared, key=lambda r: r[2] / r[4])
    ratio = new_n / old_n
    meta = {"series_compared": len(compared), "worst_series": series, "release_id": new_id,
            "rows": new_n, "previous_release_id": old_id, "previous_rows": old_n, "ratio": round(ratio, 3)}
    if ratio >= ROW_RATIO_WARN:
        return Outcome(True, f"raw.{table}: every series kept at least {ROW_RATIO_WARN:.0%} of its rows",
                       metadata=meta)
    return Outcome(
        False,
        f"raw.{table}: release {new_id} has {new_n:,} rows, {ratio:.0%} of the {old_n:,} in {old_id}",
        blocking=ratio < ROW_RATIO_ERROR, metadata=meta,
    )


def months_covered(con: duckdb.DuckDBPyConnection, family: str) -> Outcome:
    """The family's loaded months run without gaps, and no restatement dropped months it used to have.

    A gap warns (a publisher may skip a month, or a backfill may not have reached it); a restated file
    that ends earlier than the edition it replaces fails, since dbt would then lose those months.
    """
    releases = con.execute(
        f"""SELECT release_id, {_SERIES}, months_covered, published_at FROM meta.releases
            WHERE family = ? AND status = 'loaded' AND months_covered IS NOT NULL
            ORDER BY coalesce(published_at, fetched_at), loaded_at""",
        [family],
    ).fetchall()
    months = sorted({m for _, _, covered, _ in releases for m in covered})
    if not months:
        return Outcome(True, f"{family}: no months loaded yet", metadata={"months": 0})
    meta = {"first_month": f"{months[0]:%Y-%m}", "last_month": f"{months[-1]:%Y-%m}", "months": len(months)}
    latest: dict[str, tuple[str, list[date], object]] = {}
    for release_id, series, covered, published in releases:
        previous = latest.get(series)
        if previous and set(previous[1]) & set(covered) and max(covered) < max(previous[1]):
            # Only a publication date says a shorter file is the newer one; without it, the file is an
            # older edition (a page may still link it after a newer one was loaded), never a restatement.
            if published is None or previous[2] is None:
                continue
            return Outcome(
                False, f"{family}: {release_id} restates {previous[0]} but ends at {max(covered):%Y-%m}, "
                f"before {max(previous[1]):%Y-%m}", blocking=True, metadata=meta,
            )
        latest[series] = (release_id, covered, published)
    present = set(months)
    gaps = [m for m in _month_span(months[0], months[-1]) if m not in present]
    if gaps:
        meta["gaps"] = ", ".join(f"{m:%Y-%m}" for m in gaps[:24])
        return Outcome(False, f"{family}: {len(gaps)} month(s) missing between "
                       f"{months[0]:%Y-%m} and {months[-1]:%Y-%m}", metadata=meta)
    return Outcome(True, f"{family}: {len(months)} months, {months[0]:%Y-%m} to {months[-1]:%Y-%m}, no gaps",
                   metadata=meta)


def _month_span(first: date, last: date) -> list[date]:
    out = []
    while first <= last:
        out.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return out
