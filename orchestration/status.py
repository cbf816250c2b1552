"""`crowdout status`: what the published warehouse holds, how the last run went, what is failing, what is stale.

Everything is read from the published file (read-only: a running refresh never waits for it) and from
the Dagster instance when DAGSTER_HOME is set, else from the record `crowdout refresh` leaves behind.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration import alerts, freshness, quality
from orchestration.config import Settings
from orchestration.refresh import last_refresh_file, run_findings
from orchestration.warehouse import publish


@dataclass(frozen=True)
class FamilyStatus:
    family: str
    loaded: int
    failed: int
    first_month: str | None
    last_month: str | None
    last_loaded_at: datetime | None
    modelled: bool
    freshness: str


@dataclass
class Status:
    warehouse: Path
    published_at: datetime | None
    freshness: str
    families: list[FamilyStatus] = field(default_factory=list)
    failed_releases: list[tuple[str, str]] = field(default_factory=list)  # release_id, error
    blocked: list[str] = field(default_factory=list)  # why the next publish would be refused, and the way out
    withdrawn: list[tuple[str, str]] = field(default_factory=list)  # release_id, reason
    last_run: dict | None = None
    last_failure: dict | None = None


def _age(then: datetime | None, now: datetime):
    return now - then if then else None


def _families(con: duckdb.DuckDBPyConnection, now: datetime) -> list[FamilyStatus]:
    rows = con.execute(
        """SELECT family,
                  count(*) FILTER (WHERE status = 'loaded'),
                  count(*) FILTER (WHERE status = 'failed'),
                  strftime(min(list_min(months_covered)) FILTER (WHERE status = 'loaded'), '%Y-%m'),
                  strftime(max(list_max(months_covered)) FILTER (WHERE status = 'loaded'), '%Y-%m'),
                  max(loaded_at),
                  coalesce(bool_or(is_modelled) FILTER (WHERE status = 'loaded'), false)
           FROM meta.releases GROUP BY family ORDER BY family"""
    ).fetchall()
    return [FamilyStatus(*r, freshness=freshness.state(_age(r[5], now))) for r in rows]


def _last_run(settings: Settings) -> dict | None:
    """The newest run in the Dagster instance (any trigger: UI, sensor, schedule, CLI), else the CLI's record."""
    if os.environ.get("DAGSTER_HOME"):
        from dagster import DagsterInstance

        instance = DagsterInstance.get()
        records = instance.get_run_records(limit=1)
        if records:
            record = records[0]
            run = record.dagster_run
            events = [e.dagster_event for e in instance.all_logs(run.run_id) if e.dagster_event]
            return {
                "run_id": run.run_id,
                "job": run.job_name,
                "status": run.status.value,
                "started_at": _iso(record.start_time),
                "ended_at": _iso(record.end_time),
                "trigger": run.tags.get("crowdout/trigger", run.tags.get("dagster/sensor_name", "ui")),
                **run_findings(events),
            }
    path = last_refresh_file(settings)
    if path.exists():
        record = json.loads(path.read_text())
        record["status"] = "SUCCESS" if record["success"] else "FAILURE"
        return record
    return None


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds") if timestamp else None


def _from_build(settings: Settings, read, default):
    """`read(con)` on the build file: failures and blocked releases stop the publish, so the published
    file never holds them. A writer busy on the build file holds DuckDB's lock; then the published
    file's (older) answer is the best there is."""
    for path in (settings.build_warehouse, settings.warehouse):
        if not path.exists():
            continue
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            continue
        try:
            return read(con)
        except duckdb.CatalogException:
            return default
        finally:
            con.close()
    return default


def _failed_releases(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("""SELECT release_id, error FROM meta.releases WHERE status = 'failed'
                          ORDER BY fetched_at DESC LIMIT 5""").fetchall()


def _withdrawn(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("""SELECT release_id, error FROM meta.releases WHERE status = 'withdrawn'
                          ORDER BY release_id""").fetchall()


def _blocked(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [o.description for o in quality.blocking_outcomes(con)]


def _shrink(settings: Settings) -> list[str]:
    """Why the last publish was refused, if it was: the build's marts (from the last dbt run) hold less
    than the published ones. After a successful refresh the two are the same file's copies."""
    if not (settings.build_warehouse.exists() and settings.warehouse.exists()):
        return []
    try:
        lost = publish.losses(publish.inventory(settings.warehouse), publish.inventory(settings.build_warehouse))
    except duckdb.IOException:  # a writer is busy on the build file
        return []
    if not lost:
        return []
    return [f"the build would lose what analysts read now: {'; '.join(lost)}. If that is intended (a withdrawn "
            "or corrected release), run `crowdout refresh --allow-shrink`."]


def gather(settings: Settings) -> Status:
    now = datetime.now(timezone.utc)
    path = settings.warehouse
    status = Status(warehouse=path, published_at=None, freshness="UNKNOWN")
    if path.exists():
        status.published_at = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        status.freshness = freshness.state(now - status.published_at)
        con = duckdb.connect(str(path), read_only=True)
        try:
            status.families = _families(con, now)
        finally:
            con.close()
    status.failed_releases = _from_build(settings, _failed_releases, [])
    status.withdrawn = _from_build(settings, _withdrawn, [])
    status.blocked = _from_build(settings, _blocked, []) + _shrink(settings)
    status.last_run = _last_run(settings)
    status.last_failure = alerts.last_failure(settings)
    return status
