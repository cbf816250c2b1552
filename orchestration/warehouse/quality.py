"""Ingestion checks: is what a release loaded plausible next to the release it restates?

Connectors already refuse files they cannot parse; these checks catch files that parse but are wrong in
ways only history shows: a truncated or partial file that would replace a whole one, a table whose
columns drifted from what the connector declares. Plain functions over a DuckDB connection, so Dagster
asset checks, `crowdout status` and tests call the same code.

Which releases are checked: every release loaded since the last publish (`meta.publishes`), however it
was loaded (a refresh, `crowdout ingest` by hand), so a bad file blocks every publish until it is
withdrawn. What it is compared with: the release it restates, i.e. the loaded release of the same
family covering the most of the same months (for a family whose releases are keyed pages, `Family.
addressed_by_month`, the same key), whatever the file is called, and never a release published after it:
an older file loaded late is not a restatement of a newer one (and dbt's latest-release rule never
prefers it). The thresholds are configuration: [checks] in releases.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence

import duckdb

from orchestration.config import ChecksConfig
from orchestration.connectors.calendar import month_range
from orchestration.connectors.catalog import FAMILIES
from orchestration.connectors.release import RawColumn
from orchestration.warehouse import registry


@dataclass(frozen=True)
class Outcome:
    passed: bool
    description: str
    blocking: bool = False  # a failure that must stop dbt; otherwise a warning
    metadata: dict = field(default_factory=dict)
    way_out: str = ""  # what to do about this failure, when the check knows better than the generic advice


@dataclass(frozen=True)
class Release:
    release_id: str
    key: str
    months: tuple[date, ...]
    dated: datetime  # the publisher's date, else when it was fetched: the order dbt's latest-release uses


@dataclass(frozen=True)
class Restatement:
    """A release loaded since the last publish and the earlier release it replaces in the marts."""

    new: Release
    old: Release


def how_to_get_out(release_id: str, setting: str) -> str:
    return (f"if {release_id} is a bad file: `crowdout release withdraw {release_id} --reason TEXT`, then "
            f"`crowdout refresh` (the release it restates is used again). If it is right, lower "
            f"checks.{setting} in releases.toml.")


def _last_publish(con: duckdb.DuckDBPyConnection) -> datetime | None:
    try:
        return con.execute("SELECT max(published_at) FROM meta.publishes").fetchone()[0]
    except duckdb.CatalogException:  # a warehouse from before publishes were recorded
        return None


def restatements(con: duckdb.DuckDBPyConnection, family: str) -> list[Restatement]:
    rows = con.execute(
        """SELECT release_id, release_key, coalesce(months_covered, []), coalesce(published_at, fetched_at),
                  loaded_at
           FROM meta.releases WHERE family = ? AND status = 'loaded'
           ORDER BY coalesce(published_at, fetched_at), fetched_at, release_id""",
        [family],
    ).fetchall()
    since = _last_publish(con)
    by_key = FAMILIES[family].addressed_by_month if family in FAMILIES else False
    releases = [(Release(rid, key, tuple(months), dated), loaded_at) for rid, key, months, dated, loaded_at in rows]
    found = []
    for new, loaded_at in releases:
        if since is not None and loaded_at is not None and loaded_at <= since:
            continue
        best = None
        for old, _ in releases:
            if old.release_id == new.release_id or old.dated > new.dated:
                continue
            if new.months and old.months and min(new.months) < min(old.months) and max(new.months) < max(old.months):
                continue  # its window lies wholly before old's: an older edition (a page may still link it), undated or not
            overlap = len(set(old.months) & set(new.months))
            if (old.key == new.key) if by_key else overlap:
                rank = (overlap, old.dated)
                if best is None or rank >= best[0]:
                    best = (rank, old)
        if best:
            found.append(Restatement(new, best[1]))
    return found


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


def row_count_vs_previous(con: duckdb.DuckDBPyConnection, family: str, table: str, limits: ChecksConfig) -> Outcome:
    """Every release loaded since the last publish has kept its rows against the release it restates."""
    if family in FAMILIES and table in FAMILIES[family].fault_tables:
        return Outcome(True, f"raw.{table} lists a release's faults: fewer rows than the release it restates "
                             "is no loss", metadata={"releases_compared": 0})
    pairs = restatements(con, family)
    ids = sorted({r.release_id for p in pairs for r in (p.new, p.old)})
    counts = dict(con.execute(
        f"SELECT release_id, count(*) FROM raw.{table} WHERE release_id IN (SELECT unnest(?)) GROUP BY 1", [ids]
    ).fetchall()) if ids else {}
    compared = [(p, counts.get(p.new.release_id, 0), counts[p.old.release_id])
                for p in pairs if counts.get(p.old.release_id)]
    if not compared:
        return Outcome(True, f"raw.{table}: no release loaded since the last publish restates an earlier one",
                       metadata={"releases_compared": 0})
    pair, new_n, old_n = min(compared, key=lambda c: c[1] / c[2])
    ratio = new_n / old_n
    meta = {"releases_compared": len(compared), "release_id": pair.new.release_id, "release_key": pair.new.key,
            "rows": new_n, "previous_release_id": pair.old.release_id, "previous_release_key": pair.old.key,
            "previous_rows": old_n, "ratio": round(ratio, 3)}
    if ratio >= limits.warn_row_ratio:
        return Outcome(True, f"raw.{table}: every new release kept at least {limits.warn_row_ratio:.0%} of "
                       "the rows of the release it restates", metadata=meta)
    blocking = ratio < limits.min_row_ratio
    description = (f"raw.{table}: release {pair.new.release_id} ({pair.new.key}) has {new_n:,} rows, {ratio:.0%} "
                   f"of the {old_n:,} in {pair.old.release_id} ({pair.old.key}), which it restates")
    if blocking:
        description += "; this blocks the publish"
    return Outcome(False, description, blocking=blocking, metadata=meta,
                   way_out=how_to_get_out(pair.new.release_id, "min_row_ratio") if blocking else "")


def months_covered(con: duckdb.DuckDBPyConnection, family: str, limits: ChecksConfig) -> Outcome:
    """No release loaded since the last publish covers far fewer months than, or ends before, the release
    it restates (dbt would lose those months); and the family's loaded months run without gaps.

    A gap only warns (a publisher may skip a month, or a backfill may not have reached it)."""
    for pair in restatements(con, family):
        new, old = pair.new, pair.old
        if not new.months or not old.months:
            continue
        problem = None
        if len(new.months) < limits.min_month_ratio * len(old.months):
            problem = f"covers {len(new.months)} month(s), the {len(old.months)} of {old.release_id} ({old.key})"
        elif max(new.months) < max(old.months):
            problem = f"ends at {max(new.months):%Y-%m}, before {max(old.months):%Y-%m}"
        if problem:
            return Outcome(
                False, f"{family}: {new.release_id} ({new.key}) restates {old.release_id} ({old.key}) but {problem}; "
                "this blocks the publish", way_out=how_to_get_out(new.release_id, "min_month_ratio"),
                blocking=True, metadata={"release_id": new.release_id, "previous_release_id": old.release_id,
                                         "months": len(new.months), "previous_months": len(old.months)},
            )
    months = sorted({m for (m,) in con.execute(
        """SELECT unnest(months_covered) FROM meta.releases
           WHERE family = ? AND status = 'loaded' AND months_covered IS NOT NULL""", [family]).fetchall()})
    span = registry.period_span(con, family)
    if span is not None:  # figures for scattered periods: no month-by-month series to find gaps in
        rows, first, last = span
        where = f" for periods from {first:%Y-%m} to {last:%Y-%m}" if first else ""
        return Outcome(True, f"{family}: {rows:,} figures{where}; not a monthly series, so no months to check "
                       "for gaps", metadata={"months": 0, "figures": rows})
    if not months:
        return Outcome(True, f"{family}: no months loaded yet", metadata={"months": 0})
    meta = {"first_month": f"{months[0]:%Y-%m}", "last_month": f"{months[-1]:%Y-%m}", "months": len(months)}
    present = set(months)
    gaps = [m for m in month_range(months[0], months[-1]) if m not in present]
    if gaps:
        meta["gaps"] = ", ".join(f"{m:%Y-%m}" for m in gaps[:24])
        return Outcome(False, f"{family}: {len(gaps)} month(s) missing between "
                       f"{months[0]:%Y-%m} and {months[-1]:%Y-%m}", metadata=meta)
    return Outcome(True, f"{family}: {len(months)} months, {months[0]:%Y-%m} to {months[-1]:%Y-%m}, no gaps",
                   metadata=meta)


def series_catalogued(con: duckdb.DuckDBPyConnection, table: str) -> Outcome:
    """Loaded rows of a series the publisher's catalogue lacks (`catalogued = false`): a warning, never a block.

    Such a page loads under its own name, so a series the publisher adds never stops a refresh; this says
    which series wait for a catalogue entry (for TRAC, `connectors/trac_catalogue.py`).
    """
    rows = con.execute(
        f"""SELECT t.series, count(*), min(t.month), max(t.month) FROM raw.{table} AS t
            JOIN meta.releases AS r USING (release_id)
            WHERE r.status = 'loaded' AND t.catalogued = false GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    if not rows:
        return Outcome(True, f"raw.{table}: every loaded series is catalogued", metadata={"uncatalogued": 0})
    listed = "; ".join(f"{series} ({n} page(s), {first:%Y-%m} to {last:%Y-%m})" for series, n, first, last in rows)
    return Outcome(False, f"raw.{table}: loaded, but not in the publisher's catalogue: {listed}. They are kept "
                   "under their own names; add them to the catalogue to carry them into the marts.",
                   metadata={"uncatalogued": len(rows), "series": ", ".join(r[0] for r in rows)})


def blocking_outcomes(con: duckdb.DuckDBPyConnection, limits: ChecksConfig) -> list[Outcome]:
    """Every failing blocking check over every family: what stops the next publish (for `crowdout status`)."""
    found = []
    for name, family in FAMILIES.items():
        found.append(months_covered(con, name, limits))
        for table, declared in family.raw_tables.items():
            found += [schema_unchanged(con, table, declared), row_count_vs_previous(con, name, table, limits)]
    return [o for o in found if o.blocking and not o.passed]
