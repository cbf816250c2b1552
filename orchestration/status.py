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

from orchestration import alerts, freshness
from orchestration.config import Settings
from orchestration.refresh import last_refresh_file, run_findings


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


def _failed_releases(settings: Settings) -> list[tuple[str, str]]:
    """The newest failed releases, from the build file: a failure stops the publish, so the published
    file never holds it. A writer busy on the build file holds DuckDB's lock; then the published file's
    (older) list is the best there is. A release that never arrived (a TRAC page missing past its
    publication lag, a download that kept failing) has no release row: its latest failed attempt counts."""
    query = """SELECT id, error FROM (
                   SELECT release_id AS id, error, fetched_at AS happened_at FROM meta.releases WHERE status = 'failed'
                   UNION ALL
                   SELECT family || ' ' || release_key || ' (' || url || ')', error, attempted_at
                   FROM (SELECT *, row_number() OVER (PARTITION BY url ORDER BY attempted_at DESC) AS newest
                         FROM meta.fetch_attempts)
                   WHERE newest = 1 AND outcome = 'failed' AND sha256 IS NULL
               ) ORDER BY happened_at DESC LIMIT 5"""
    for path in (settings.build_warehouse, settings.warehouse):
        if not path.exists():
            continue
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            continue
        try:
            return con.execute(query).fetchall()
        except duckdb.CatalogException:
            return []
        finally:
            con.close()
    return []


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
    status.failed_releases = _failed_releases(settings)
    status.last_run = _last_run(settings)
    status.last_failure = alerts.last_failure(settings)
    return status
