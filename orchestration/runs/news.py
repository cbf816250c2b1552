""""New this run": what one run brought, from the run's own events (run_outcome.py).

The run's ingest steps name the releases they loaded and the ones that failed; its publish names the
releases it added to the file analysts read and the ones it withdrew from it; a refused publish or an
unreachable publisher is the step's failure. The warehouse is read only for what the events point at:
each new release's months and rows, and the figures those releases restated. So the section says the
same after a withdrawal, a refusal or an offline `--live` run as the UI's view of that run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from orchestration.analysis.reader import reading
from orchestration.asset_keys import PUBLISHED_WAREHOUSE, ingest_step
from orchestration.run_outcome import RunOutcome
from orchestration.warehouse import registry


@dataclass(frozen=True)
class NewRelease:
    family: str
    file: str  # the release key: a CBP/OHSS file name, or a TRAC page (series/month/district)
    first_month: date | None
    last_month: date | None
    months: int
    rows: int | None
    release_id: str | None = None


@dataclass(frozen=True)
class NewThisRun:
    since: str  # ISO time the run started
    releases: list[NewRelease]
    changed: list[dict]  # revisions.RESTATED rows: family, month, figure, previous, current, change, ...
    unchanged: int  # figures restated with the same value
    not_loaded: list[dict]  # family, file, status (failed, withdrawn, refused), error
    restored: list[NewRelease] = field(default_factory=list)  # withdrawn earlier, brought back by its publish


def releases(warehouse: Path, release_ids: list[str]) -> list[NewRelease]:
    """The releases `release_ids` as the warehouse holds them, loaded ones only."""
    if not release_ids:
        return []
    with reading(warehouse) as con:
        found = [NewRelease(*r) for r in con.execute(
            """SELECT family, release_key, list_min(months_covered), list_max(months_covered),
                      coalesce(len(months_covered), 0), row_count, release_id
               FROM meta.releases WHERE status = 'loaded' AND list_contains(?, release_id)
               ORDER BY family, release_key""", [release_ids]).fetchall()]
        return [with_periods(con, r) for r in found]


def with_periods(con, release: NewRelease) -> NewRelease:
    """A release of scattered periods (the curated published figures) covers no months: its span is its
    periods' first and last month."""
    span = registry.period_span(con, release.family, [release.release_id])
    return release if span is None else dataclasses.replace(release, first_month=span[1], last_month=span[2])


def restored(warehouse: Path, release_ids: list[str], started_at: str) -> set[str]:
    """The releases among `release_ids` that analysts had before: loaded ahead of the last publish before
    the run started, so the run's publish brought them back (`crowdout release restore`), not new ones. A
    release loaded since that publish (by the run, or by hand) is new."""
    if not release_ids:
        return set()
    with reading(warehouse) as con:
        try:
            (before,) = con.execute("SELECT max(published_at) FROM meta.publishes WHERE published_at < ?::TIMESTAMPTZ",
                                    [started_at]).fetchone()
        except duckdb.CatalogException:  # a warehouse never published by crowdout: nothing was had before
            return set()
        if before is None:
            return set()
        return {r for (r,) in con.execute(
            "SELECT release_id FROM meta.releases WHERE list_contains(?, release_id) AND loaded_at < ?",
            [release_ids, before]).fetchall()}


def _not_loaded(run: RunOutcome) -> list[dict]:
    failed = [{"family": r["family"], "file": r["file"], "status": "failed", "error": r["error"]}
              for r in run.releases if r["status"] == "failed"]
    withdrawn = [{"family": w["release_id"].split(":", 1)[0], "file": w["release_id"], "status": "withdrawn",
                  "error": w["reason"]} for w in run.withdrawn]
    # A step that failed without naming a release (a refused publish, an unreachable publisher, a dbt
    # build that failed) is news too, in its own words.
    named = {r["family"] for r in run.releases if r["status"] == "failed"}
    steps = []
    for error in run.errors:
        step, _, why = error.partition(": ")
        if step in {ingest_step(f) for f in named}:
            continue
        status = "refused" if step == PUBLISHED_WAREHOUSE else "failed"
        steps.append({"family": step, "file": "", "status": status, "error": why or error})
    return failed + withdrawn + steps


def from_run(run: RunOutcome, warehouse: Path) -> NewThisRun:
    """The section for `run`; `warehouse` is the file it published (else the build file it wrote)."""
    from orchestration.analysis import revisions

    loaded = [r["release_id"] for r in run.releases if r["status"] == "loaded" and r["release_id"]]
    ids = list(dict.fromkeys([*loaded, *run.published_releases]))
    since = run.started_at or datetime.now().astimezone().isoformat(timespec="seconds")
    changed, unchanged = [], 0
    if ids and warehouse.exists():
        restated = revisions.load(warehouse, release_ids=ids)
        changed, unchanged = restated.changed.to_pylist(), restated.unchanged
    found = releases(warehouse, ids) if warehouse.exists() else []
    back = restored(warehouse, ids, since) if warehouse.exists() else set()
    return NewThisRun(since, [r for r in found if r.release_id not in back], changed, unchanged, _not_loaded(run),
                      [r for r in found if r.release_id in back])


def counts(new: NewThisRun) -> str:
    """The section in one line, for the run's tag in the UI."""
    return (f"{len(new.releases)} new releases, {len(new.restored)} restored, {len(new.changed)} figures changed, "
            f"{len(new.not_loaded)} failed, withdrawn or refused")
