"""`crowdout refresh`: observe every release family; if anything is new, materialize the graph once.

A refresh first asks what changed (`orchestration.warehouse.observe`, the same question the Dagster sources
answer as data versions): a release not loaded yet, a restated one, or a release loaded by hand,
withdrawn or restored since the last publish. Each observation is recorded on its release source in the
shared instance, as the daemon's are, unless the instance already holds that same observation. With
nothing new it stops there, in about a second, without starting Dagster, and says so; the warehouse is
left as it was. Otherwise it materializes every asset of the code location as one Dagster run in the
persistent instance every entry point shares (DAGSTER_HOME, else `<data dir>/dagster`), as the daemon
would, and reads the outcome back from that run's events (`run_outcome.py`): the CLI keeps no run record
of its own, so what it says about a run is what `crowdout status` and the UI say about it.

Ctrl-C stops the run at once: Dagster forwards the interrupt to dbt (which runs in its own session, so
the terminal's signal reaches crowdout alone) and the run is recorded as failed, interrupted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import duckdb

from orchestration.config import Settings
from orchestration.warehouse.lock import build_lock
from orchestration.warehouse.publish import seed_build

if TYPE_CHECKING:  # Dagster is imported only once a run or an observation has to be recorded
    from orchestration.run_outcome import RunOutcome

PID_TAG = "crowdout/pid"
# The tag Dagster reads an observation's data version from (its constant is private); the daemon's first
# tick test (tests/defs/test_automation.py) fails if Dagster stops reading it.
DATA_VERSION_TAG = "dagster/data_version"
# Beside the instance's dagster.yaml: the observations this instance was last given (see record_observations).
RECORDED_OBSERVATIONS = "crowdout_observations.json"


@dataclass
class RefreshOutcome:
    """What a refresh did: why it ran and the run it started (None when nothing was new)."""

    seconds: float
    instance: str  # the Dagster instance's home (DAGSTER_HOME, else <data dir>/dagster)
    new: list[str] = field(default_factory=list)  # what made the run due; empty = nothing new
    run: RunOutcome | None = None
    published_at: str | None = None  # when the warehouse analysts read was published
    could_not_look: list[str] = field(default_factory=list)  # observations that failed (an unreachable publisher)

    @property
    def nothing_new(self) -> bool:
        return self.run is None and not self.could_not_look

    @property
    def success(self) -> bool:
        return self.run.success if self.run else not self.could_not_look


def refresh_log(settings: Settings) -> Path:
    return settings.data_dir / "last_refresh.log"


def dagster_instance(settings: Settings):
    """The persistent instance every entry point shares (settings.dagster_home: DAGSTER_HOME, else beside
    the warehouse), so the UI and `crowdout status` show what the CLI ran."""
    from orchestration.runs.instance import open_instance

    return open_instance(settings)


def published_at(settings: Settings) -> datetime | None:
    path = settings.warehouse
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc) if path.exists() else None


def _release_ids(path: Path, status: str = "loaded") -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r for (r,) in con.execute("SELECT release_id FROM meta.releases WHERE status = ?", [status]).fetchall()}
    finally:
        con.close()


def _unpublished_withdrawals(settings: Settings) -> set[str]:
    """Releases withdrawn in the build file that the published file does not hold as withdrawn (it has
    them loaded, or never had them: a release whose checks failed the last run). Each makes a refresh
    due, as a release loaded by hand does: the checks must run again without it and the result be
    published, or the failed run stays the last word in `crowdout status`. Once published, the two
    files agree and the withdrawal is no longer news; a restore is a loaded release not yet published."""
    build = settings.build_warehouse
    if not build.exists():
        return set()
    with build_lock(settings):
        withdrawn = _release_ids(build, "withdrawn")
    return withdrawn - _release_ids(settings.warehouse, "withdrawn")


def repair_build(settings: Settings) -> str | None:
    """Start an empty, corrupt or missing build file again from the published one (the bad file kept
    aside), and say so: a build file set aside loses what only it held (a withdrawal, a hand ingest),
    so it is always reported, with or without --force."""
    if not (settings.warehouse.exists() or settings.build_warehouse.exists()):
        return None
    with build_lock(settings):
        return seed_build(settings.build_warehouse, settings.warehouse)


def reasons_to_run(settings: Settings, *, force: bool = False) -> tuple[list[str], list[str]]:
    """`whats_new`, or with --force the flag itself and any repair of the build file (never left unsaid)."""
    if not force:
        return whats_new(settings)
    repaired = repair_build(settings)
    return ["--force", *([repaired] if repaired else [])], []


def whats_new(settings: Settings) -> tuple[list[str], list[str]]:
    """Why a refresh must run, one line per reason (empty when every release offered is loaded and
    every loaded or withdrawn release is published as such), and the observations that failed. Every
    family is observed, even before the first build, so the instance holds the versions the next build
    starts from (`record_observations`)."""
    repaired = repair_build(settings)
    observations, build_ids = observe_all(settings)
    failed = [error for found in observations for error in found.errors]
    reasons = [repaired] if repaired else []
    if not settings.warehouse.exists():
        reasons.append("no published warehouse yet")
    for found in observations:
        if found.unknown:
            reasons.append(f"{found.family}: {found.found()}")
    if not settings.warehouse.exists():
        return reasons, failed
    try:
        unpublished = build_ids - _release_ids(settings.warehouse)
        withdrawn = _unpublished_withdrawals(settings)
    except duckdb.Error as exc:
        return [*reasons, f"the published warehouse cannot be read ({exc})"], failed
    if unpublished:
        reasons.append(f"{len(unpublished)} loaded release(s) not yet published")
    if withdrawn:
        reasons.append(f"{len(withdrawn)} withdrawal(s) not yet published")
    return reasons, failed


def observe_all(settings: Settings):
    """Every family's observation against the build file, recorded in the instance; and the release
    ids the build file holds loaded."""
    from orchestration.connectors.catalog import FAMILIES
    from orchestration.warehouse.observe import observe_family

    build = settings.build_warehouse
    with build_lock(settings):
        con = duckdb.connect(str(build), read_only=True) if build.exists() else None
        try:
            observations = [observe_family(settings, name, con) for name in FAMILIES]
        finally:
            if con is not None:
                con.close()
        build_ids = _release_ids(build) if build.exists() else set()
    record_observations(settings, observations)
    return observations, build_ids


def record_observations(settings: Settings, observations) -> None:
    """Each family's observation, as an observation of its release source in the shared instance, with
    the data version the daemon's observation would give it. The UI shows it beside the daemon's;
    `crowdout status` says a publisher is unreachable until an observation finds it again; and the
    daemon's first tick after a CLI refresh sees the versions it built from, so its own observation of
    the same releases starts no build of what is already up to date.

    A family that looks exactly as in the observation this instance last recorded from here (the same
    versions, the same failures) is not recorded again: the instance already holds it. So a refresh with
    nothing new never starts Dagster (about two seconds of imports and instance set-up). What was
    recorded is kept beside dagster.yaml with that file's digest: a rewritten dagster.yaml (another
    storage, e.g. a new PostgreSQL database) gets every family again."""
    marker = settings.dagster_home / RECORDED_OBSERVATIONS
    recorded = _recorded(marker, _instance_config(settings))
    seen = {found.family: {"data_version": found.data_version, "metadata": found.metadata()}
            for found in observations}
    changed = [found for found in observations if recorded.get(found.family) != seen[found.family]]
    if not changed:
        return
    from dagster import AssetObservation

    from orchestration.asset_keys import release_source
    from orchestration.runs.instance import open_instance

    with open_instance(settings) as instance:
        for found in changed:
            instance.report_runless_asset_event(AssetObservation(
                asset_key=release_source(found.family), metadata=found.metadata(),
                tags={DATA_VERSION_TAG: found.data_version}))
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps({"instance": _instance_config(settings), "families": {**recorded, **seen}},
                              sort_keys=True), encoding="utf-8")
    tmp.replace(marker)


def _instance_config(settings: Settings) -> str | None:
    path = settings.dagster_home / "dagster.yaml"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def _recorded(marker: Path, instance_config: str | None) -> dict:
    """What this instance was last given, per family; nothing when it is another instance's or unreadable."""
    try:
        saved = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if instance_config is None or not isinstance(saved, dict) or saved.get("instance") != instance_config:
        return {}
    families = saved.get("families")
    return families if isinstance(families, dict) else {}


def run_refresh(
    settings: Settings,
    *,
    force: bool = False,
    allow_shrink: bool = False,
    on_step: Callable[[str], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RefreshOutcome:
    """Refresh when something is new (or `force`); `allow_shrink` publishes a build that holds less
    than the published warehouse. `on_start(steps)` is called once a run is due, with
    the number of steps it has; `on_step(step)` as each step finishes, for a progress bar. Ctrl-C
    raises KeyboardInterrupt once the run is recorded as failed."""
    begun = time.monotonic()
    new, could_not_look = reasons_to_run(settings, force=force)
    if not new:  # nothing to build; a publisher it could not reach is reported, not run into again
        when = published_at(settings)
        return RefreshOutcome(seconds=round(time.monotonic() - begun, 1), instance=str(settings.dagster_home),
                              published_at=when.isoformat(timespec="seconds") if when else None,
                              could_not_look=could_not_look)

    from orchestration.dbt_manifest import ensure_prepared
    from orchestration.run_outcome import INTERRUPTED, read_run

    ensure_prepared()
    with warnings.catch_warnings():  # Dagster's beta/supersession notices are for developers, not ops
        warnings.simplefilter("ignore")
        from orchestration.defs import build_definitions

        defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    keys = sorted(defs.resolve_asset_graph().materializable_asset_keys)
    if on_start:
        on_start(len(job.get_subset(asset_selection=set(keys)).graph.node_dict))
    run_id = str(uuid.uuid4())
    log = refresh_log(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    interrupted = False
    with dagster_instance(settings) as instance:
        fail_dead_runs(instance, settings)
        with log.open("w") as out, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out), \
                _watch_steps(instance, run_id, on_step):
            try:
                job.execute_in_process(
                    instance=instance,
                    run_id=run_id,
                    asset_selection=keys,
                    tags={"crowdout/trigger": "cli", PID_TAG: str(os.getpid())},
                    run_config={
                        "resources": {"warehouse": {"config": {"live": settings.live, "allow_shrink": allow_shrink}}},
                        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},  # the CLI reports
                    },
                    raise_on_error=False,
                )
            except KeyboardInterrupt:
                interrupted = True
        record = instance.get_run_by_id(run_id)
        if interrupted and record and not record.is_finished:
            instance.report_run_failed(record, INTERRUPTED)
        run = read_run(instance, run_id)
    if interrupted or (run and run.interrupted):
        raise KeyboardInterrupt
    if run and run.success:  # as the daemon's next look will see it: a loaded release's version is its registry entry
        observe_all(settings)
    when = published_at(settings)
    return RefreshOutcome(seconds=round(time.monotonic() - begun, 1), instance=str(settings.dagster_home),
                          new=new, run=run, published_at=when.isoformat(timespec="seconds") if when else None,
                          could_not_look=could_not_look)


@contextlib.contextmanager
def _watch_steps(instance, run_id: str, on_step: Callable[[str], None] | None):
    """Report each finished step from the run's event log, from a thread beside the run (which keeps the
    main thread, where Ctrl-C arrives and Dagster turns it into a clean stop)."""
    if on_step is None:
        yield
        return
    from dagster import DagsterEventType

    done = threading.Event()

    def watch() -> None:
        finished = 0
        while True:
            stop = done.wait(0.5)
            records = instance.all_logs(run_id, of_type={DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE})
            for record in records[finished:]:
                on_step(_finished_step(record.dagster_event))
            finished = max(finished, len(records))
            if stop:
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _finished_step(event) -> str:
    """How a finished step is shown in the progress: its name, and how it ended unless it succeeded."""
    from orchestration.run_outcome import INTERRUPTED, reason

    if not event.is_step_failure:
        return event.step_key
    error = event.event_specific_data.error
    return f"{event.step_key} {'interrupted' if error and reason(error) == INTERRUPTED else 'failed'}"


def fail_dead_runs(instance, settings: Settings | None = None) -> list[str]:
    """Mark failed every run a crowdout refresh started whose process is gone (killed, or aborted by a
    native crash): it holds nothing, but the instance would show it as running forever. With `settings`,
    each is alerted too: no daemon's failure sensor watches a cron-driven refresh, and the dead process
    could not say it failed."""
    from dagster import DagsterRunStatus, RunsFilter

    from orchestration import alerts

    cleared = []
    for run in instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED, DagsterRunStatus.STARTING])):
        pid = run.tags.get(PID_TAG)
        if pid and not _alive(int(pid)):
            message = f"its process {pid} is gone (killed or aborted); marked failed by a later refresh"
            instance.report_run_failed(run, message)
            cleared.append(run.run_id)
            if settings is not None:
                payload = alerts.crash_payload(message, job=run.job_name, trigger=run.tags.get("crowdout/trigger", "cli"))
                alerts.post_webhook(settings, {**payload, "run_id": run.run_id})
    return cleared


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True
