"""`crowdout status`: what analysts read, what is waiting to be published, what failed since, how recent.

Two files, kept apart because they answer different questions:
- the **published** file (what analysts read): releases per family, when it was published, how old that
  is (refresh freshness) and how far its data reaches against what the publisher's lag says it should
  (data recency);
- the **build** file (the writer's private copy): releases loaded but not yet published, and releases
  that failed since the last publish (older failures are history, not news: they stay in meta.releases).
Both are opened read-only; a refresh writing the build file holds DuckDB's lock, and then status says so
rather than waiting. The last run comes from the shared Dagster instance (any trigger: UI, daemon, CLI),
else from the record `crowdout refresh` leaves behind; the published file names the run that built it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from orchestration import alerts
from orchestration.analysis.reader import AnalysisError
from orchestration.config import Settings
from orchestration.runs import summary
from orchestration.runs.refresh import last_refresh_file, run_findings
from orchestration.warehouse import freshness, publish, quality


@dataclass(frozen=True)
class FamilyStatus:
    family: str
    loaded: int
    first_month: date | None
    last_month: date | None
    last_loaded_at: datetime | None
    modelled: bool
    freshness: str  # by load time
    recency: freshness.Recency  # by the month the data reaches


@dataclass(frozen=True)
class FailedRelease:
    release_id: str
    fetched_at: datetime
    error: str


@dataclass
class Status:
    warehouse: Path
    build_warehouse: Path
    published_at: datetime | None
    freshness: str
    families: list[FamilyStatus] = field(default_factory=list)
    published_by_run: str | None = None  # the Dagster run that built the published file, if one did
    build_busy: bool = False  # a writer holds the build file: pending and failures unknown right now
    pending: list[summary.NewRelease] = field(default_factory=list)  # loaded, not yet published
    failed_since_publish: list[FailedRelease] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # why the next publish would be refused, and the way out
    withdrawn: list[tuple[str, str]] = field(default_factory=list)  # release_id, reason
    last_run: dict | None = None
    last_run_news: summary.NewThisRun | None = None  # what the last run brought, if it published
    last_failure: dict | None = None  # the newest recorded run failure, only if after the last publish


def _age(then: datetime | None, now: datetime):
    return now - then if then else None


def _families(con: duckdb.DuckDBPyConnection, settings: Settings, now: datetime) -> list[FamilyStatus]:
    rows = con.execute(
        """SELECT family, count(*), min(list_min(months_covered)), max(list_max(months_covered)),
                  max(loaded_at), coalesce(bool_or(is_modelled), false)
           FROM meta.releases WHERE status = 'loaded' GROUP BY family ORDER BY family"""
    ).fetchall()
    tolerance = int(settings.releases.get("recency", {}).get("tolerance_months", 1))
    out = []
    for family, loaded, first, last, loaded_at, modelled in rows:
        lag = int(settings.family(family).get("publication_lag_days", 0))
        out.append(FamilyStatus(family, loaded, first, last, loaded_at, modelled,
                                freshness.state(_age(loaded_at, now)),
                                freshness.recency(last, now.date(), lag, tolerance)))
    return out


def _published_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT release_id FROM meta.releases WHERE status = 'loaded'").fetchall()}
    finally:
        con.close()


def _build_file(settings: Settings, published_at: datetime | None, status: Status) -> None:
    """Fill `status.pending` and `status.failed_since_publish` from the build file."""
    path = settings.build_warehouse
    if not path.exists():
        return
    published = _published_ids(settings.warehouse)
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException:
        status.build_busy = True
        return
    try:
        loaded = con.execute(
            """SELECT release_id, family, release_key, list_min(months_covered), list_max(months_covered),
                      coalesce(len(months_covered), 0), row_count
               FROM meta.releases WHERE status = 'loaded' ORDER BY family, release_key"""
        ).fetchall()
        status.pending = [summary.NewRelease(*r[1:]) for r in loaded if r[0] not in published]
        since = published_at or datetime.min.replace(tzinfo=timezone.utc)
        # A release that never arrived (a TRAC page missing past its publication lag, a download that kept
        # failing) has no release row: its URL's latest attempt, if it failed, stands for it.
        status.failed_since_publish = [FailedRelease(*r) for r in con.execute(
            """SELECT id, happened_at, error FROM (
                   SELECT release_id AS id, fetched_at AS happened_at, coalesce(error, '') AS error
                   FROM meta.releases WHERE status = 'failed'
                   UNION ALL
                   SELECT family || ' ' || release_key || ' (' || url || ')', attempted_at, coalesce(error, '')
                   FROM (SELECT *, row_number() OVER (PARTITION BY url ORDER BY attempted_at DESC) AS newest
                         FROM meta.fetch_attempts)
                   WHERE newest = 1 AND outcome = 'failed' AND sha256 IS NULL
               ) WHERE happened_at > ? ORDER BY happened_at DESC""", [since]
        ).fetchall()]
    except duckdb.CatalogException:  # a build file from before the registry: nothing loaded into it yet
        return
    finally:
        con.close()


def _last_run(settings: Settings) -> dict | None:
    """The newest run in the Dagster instance (any trigger: UI, sensor, schedule, CLI), else the CLI's record."""
    if (settings.dagster_home / "dagster.yaml").exists():
        from orchestration.runs.instance import open_instance

        with open_instance(settings) as instance:
            records = instance.get_run_records(limit=1)
            events = [e.dagster_event for e in instance.all_logs(records[0].dagster_run.run_id)
                      if e.dagster_event] if records else []
        if records:
            record = records[0]
            run = record.dagster_run
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


def _failure_since(settings: Settings, published_at: datetime | None) -> dict | None:
    failure = alerts.last_failure(settings)
    if failure is None or published_at is None:
        return failure
    failed_at = datetime.fromisoformat(str(failure.get("failed_at")))
    failed_at = failed_at if failed_at.tzinfo else failed_at.replace(tzinfo=timezone.utc)
    return failure if failed_at > published_at else None


def _published_by_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run id recorded with the newest publish (NULL for a publish by hand or from an older version)."""
    try:
        row = con.execute("SELECT run_id FROM meta.publishes ORDER BY published_at DESC LIMIT 1").fetchone()
    except duckdb.Error:  # a warehouse from before publishes (or their run ids) were recorded
        return None
    return row[0] if row else None


def gather(settings: Settings) -> Status:
    now = datetime.now(timezone.utc)
    path = settings.warehouse
    status = Status(warehouse=path, build_warehouse=settings.build_warehouse, published_at=None,
                    freshness="UNKNOWN")
    if path.exists():
        broken = publish.file_problem(path)
        if broken:
            raise AnalysisError(publish.unusable_published(path, broken))
        status.published_at = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
        status.freshness = freshness.state(now - status.published_at)
        con = duckdb.connect(str(path), read_only=True)
        try:
            status.families = _families(con, settings, now)
            status.published_by_run = _published_by_run(con)
        finally:
            con.close()
    _build_file(settings, status.published_at, status)
    status.withdrawn = _from_build(settings, _withdrawn, [])
    status.blocked = _from_build(settings, _blocked, []) + _shrink(settings)
    status.last_run = _last_run(settings)
    started = (status.last_run or {}).get("started_at")
    if started and status.published_at and datetime.fromisoformat(started) <= status.published_at:
        try:  # the run published (the file is newer than its start): its news is in the published file
            status.last_run_news = summary.new_this_run(path, started)
        except AnalysisError:  # a warehouse from before the revision marts: no news to read
            pass
    status.last_failure = _failure_since(settings, status.published_at)
    return status
