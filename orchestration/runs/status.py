"""`crowdout status`: what analysts read, what is waiting to be published, what failed since, how recent.

Two files, kept apart because they answer different questions:
- the **published** file (what analysts read): releases per family, when it was published, how old that
  is (refresh freshness) and how far its data reaches against what the publisher's lag says it should
  (data recency);
- the **build** file (the writer's private copy): releases loaded but not yet published, and releases
  that failed since the last publish (older failures are history, not news: they stay in meta.releases).
Both are opened read-only; a refresh writing the build file holds DuckDB's lock, and then status says so
rather than waiting. The last run, and what it brought, come from the shared Dagster instance alone (any
trigger: UI, daemon, CLI; `run_outcome.py` reads its events); the published file names the run that
built it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from orchestration.analysis.reader import AnalysisError
from orchestration.config import Settings
from orchestration.run_outcome import RunOutcome
from orchestration.runs import news
from orchestration.warehouse import freshness, publish, quality, registry


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
    pending: list[news.NewRelease] = field(default_factory=list)  # loaded, not yet published
    failed_since_publish: list[FailedRelease] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # why the next publish would be refused, and the way out
    withdrawn: list[tuple[str, str]] = field(default_factory=list)  # release_id, reason
    last_run: RunOutcome | None = None
    failing_checks: list[dict] = field(default_factory=list)  # latest evaluation failed, in any run (the UI's badges)
    could_not_look: list[tuple[str, str]] = field(default_factory=list)  # family, its last observation's errors
    last_run_news: news.NewThisRun | None = None  # what the last run brought


def _age(then: datetime | None, now: datetime):
    return now - then if then else None


def _families(con: duckdb.DuckDBPyConnection, settings: Settings, now: datetime) -> list[FamilyStatus]:
    rows = con.execute(
        """SELECT family, count(*), min(list_min(months_covered)), max(list_max(months_covered)),
                  max(loaded_at), coalesce(bool_or(is_modelled), false)
           FROM meta.releases WHERE status = 'loaded' GROUP BY family ORDER BY family"""
    ).fetchall()
    tolerance = settings.releases.recency.tolerance_months
    out = []
    for family, loaded, first, last, loaded_at, modelled in rows:
        lag = settings.family(family).publication_lag_days
        recency = freshness.recency(last, now.date(), lag, tolerance)
        span = registry.period_span(con, family)
        if span is not None:  # scattered periods, not a series a publisher extends month by month
            _, first, last = span
            recency = freshness.Recency(last, None, None, "n/a")
        out.append(FamilyStatus(family, loaded, first, last, loaded_at, modelled,
                                freshness.state(_age(loaded_at, now)), recency))
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
        status.pending = [news.with_periods(con, news.NewRelease(*r[1:], r[0])) for r in loaded if r[0] not in published]
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


def _check_keys(settings: Settings):
    """Every asset check of the code location (dbt's tests and the ingestion checks)."""
    import warnings

    from orchestration.dbt_manifest import ensure_prepared

    ensure_prepared()
    with warnings.catch_warnings():  # Dagster's beta notices are for developers
        warnings.simplefilter("ignore")
        from orchestration.defs import build_definitions

        return build_definitions(settings).resolve_asset_graph().asset_check_keys


def _from_instance(settings: Settings, status: Status) -> None:
    """The newest run (any trigger: UI, sensor, schedule, CLI); every check whose latest evaluation failed,
    in whichever run (what the UI's badges count); and each family's newest observation that could not
    look: an unreachable publisher stays listed until an observation reaches it again."""
    if not (settings.dagster_home / "dagster.yaml").exists():
        return
    from orchestration.asset_keys import release_source
    from orchestration.connectors.catalog import FAMILIES
    from orchestration.run_outcome import failing_checks, last_run
    from orchestration.runs.instance import open_instance

    with open_instance(settings) as instance:
        status.last_run = last_run(instance)
        status.failing_checks = failing_checks(instance, _check_keys(settings))
        for family in FAMILIES:
            records = instance.fetch_observations(release_source(family), limit=1).records
            errors = records[0].asset_observation.metadata.get("errors") if records else None
            if errors is not None and errors.value != "none":
                status.could_not_look.append((family, errors.value))


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


def _blocked(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[str]:
    return ["; ".join(filter(None, (o.description, o.way_out)))
            for o in quality.blocking_outcomes(con, settings.releases.checks)]


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
    status.blocked = _from_build(settings, lambda con: _blocked(con, settings), []) + _shrink(settings)
    _from_instance(settings, status)
    if status.last_run is not None:
        where = path if status.last_run.published else settings.build_warehouse
        try:
            status.last_run_news = news.from_run(status.last_run, where)
        except (AnalysisError, duckdb.IOException):  # an older warehouse, or a writer busy on the build file
            pass
    return status
