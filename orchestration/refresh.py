"""`crowdout refresh`: the Dagster `refresh` job, run in this process over every month in one run.

The CLI runs the same job, assets and checks as the UI and the schedule, so a refresh from the command
line shows in the Dagster instance (when DAGSTER_HOME is set; otherwise the run is recorded in an
ephemeral instance and in `<data dir>/last_refresh.json`, which `crowdout status` reads). One run over
the whole partition range: TRAC's pages, each dbt selection and the publish each happen once.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
import warnings
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable

from orchestration.config import Settings

# Telemetry off, and pools of one: the build warehouse takes one writer at a time across runs.
DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
"""


@dataclass
class RefreshOutcome:
    run_id: str
    success: bool
    started_at: str
    seconds: float
    months: tuple[str, str]
    instance: str  # the DAGSTER_HOME path, or "ephemeral"
    steps: list[dict] = field(default_factory=list)  # step, status, seconds
    failed_checks: list[dict] = field(default_factory=list)  # asset, check, severity, description
    errors: list[str] = field(default_factory=list)


def last_refresh_file(settings: Settings) -> Path:
    return settings.data_dir / "last_refresh.json"


def refresh_log(settings: Settings) -> Path:
    return settings.data_dir / "last_refresh.log"


def dagster_instance():
    """The instance DAGSTER_HOME names (given a dagster.yaml with telemetry off if it has none), or an
    ephemeral one."""
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return DagsterInstance.ephemeral()
    config = Path(home) / "dagster.yaml"
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(DAGSTER_YAML)
    return DagsterInstance.get()


def _month_key(month: str | None, default: str) -> str:
    return f"{month}-01" if month else default


def run_refresh(
    settings: Settings,
    *,
    month_from: str | None = None,
    month_to: str | None = None,
    full_refresh: bool = False,
    allow_shrink: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> RefreshOutcome:
    """Run the job over months month_from..month_to (YYYY-MM; default every month so far);
    `full_refresh` rebuilds the incremental marts from scratch; `allow_shrink` publishes a build that
    holds less than the published warehouse. `on_step(step)` is called as each of the
    `step_count()` steps finishes, for a progress bar."""
    with warnings.catch_warnings():  # Dagster's beta/supersession notices are for developers, not ops
        warnings.simplefilter("ignore")
        from orchestration.defs import defs  # builds the dbt manifest first if it is missing or stale
        from orchestration.defs.partitions import MONTHLY

    keys = MONTHLY.get_partition_keys()
    start, end = _month_key(month_from, keys[0]), _month_key(month_to, keys[-1])
    for key in (start, end):
        if key not in keys:
            raise ValueError(f"{key[:7]} is not a month crowdout covers ({keys[0][:7]} to {keys[-1][:7]})")
    instance = dagster_instance()
    begun = time.monotonic()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    log = refresh_log(settings)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out, contextlib.redirect_stdout(out):  # dbt's own log lines, kept for reading
        result = _execute_watched(defs, instance, start, end, settings, full_refresh, on_step, allow_shrink)
    outcome = RefreshOutcome(
        run_id=result.run_id,
        success=result.success,
        started_at=started_at,
        seconds=round(time.monotonic() - begun, 1),
        months=(start[:7], end[:7]),
        instance=os.environ.get("DAGSTER_HOME") or "ephemeral",
        **run_findings(result.all_events),
    )
    path = last_refresh_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(outcome), indent=2))
    return outcome


def step_count() -> int:
    """Steps in a refresh run: one per op, since runs execute in process."""
    from orchestration.defs import defs

    return len(defs.resolve_job_def("refresh").graph.node_dict)


def _execute_watched(defs, instance, start, end, settings, full_refresh, on_step, allow_shrink=False):
    """Run the job in a worker thread and report each finished step from the run's event log, so a
    minute-long refresh shows where it is."""
    from dagster import DagsterEventType

    if on_step is None:
        return _execute(defs, instance, start, end, settings, full_refresh, allow_shrink=allow_shrink)
    run_id = str(uuid.uuid4())
    outcome: dict = {}
    worker = threading.Thread(
        target=lambda: outcome.update(result=_execute(defs, instance, start, end, settings, full_refresh, run_id, allow_shrink))
    )
    worker.start()
    finished: list[str] = []
    while worker.is_alive():
        worker.join(0.5)
        records = instance.all_logs(run_id, of_type={DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE})
        for record in records[len(finished):]:
            finished.append(record.step_key)
            on_step(record.step_key)
    return outcome["result"]


def _execute(defs, instance, start: str, end: str, settings: Settings, full_refresh: bool, run_id=None,
             allow_shrink: bool = False):
    from orchestration.defs.partitions import RANGE_END_TAG, RANGE_START_TAG

    return defs.resolve_job_def("refresh").execute_in_process(
        instance=instance,
        run_id=run_id,
        tags={RANGE_START_TAG: start, RANGE_END_TAG: end, "crowdout/trigger": "cli"},
        run_config={
            "resources": {"crowdout": {"config": {"live": settings.live, "allow_shrink": allow_shrink}}},
            "ops": {op: {"config": {"full_refresh": full_refresh}} for op in ("dbt_models", "dbt_monthly_facts")},
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},  # the CLI reports
        },
        raise_on_error=False,
    )


def run_findings(events) -> dict:
    """Steps with their outcome and time, failed checks, and step errors, from a run's Dagster events."""
    steps, checks, errors = [], [], []
    for event in events:
        data = event.event_specific_data
        if event.event_type_value == "STEP_SUCCESS":
            steps.append({"step": event.step_key, "status": "success", "seconds": round(data.duration_ms / 1000, 1)})
        elif event.event_type_value == "STEP_FAILURE":
            steps.append({"step": event.step_key, "status": "failed", "seconds": None})
            errors.append(f"{event.step_key}: {data.error.message.strip() if data.error else event.message}")
        elif event.event_type_value == "STEP_SKIPPED":
            steps.append({"step": event.step_key, "status": "skipped", "seconds": None})
        elif event.event_type_value == "ASSET_CHECK_EVALUATION" and not data.passed:
            checks.append({
                "asset": data.asset_key.to_user_string(), "check": data.check_name,
                "severity": data.severity.value, "description": data.description or "",
            })
    return {"steps": steps, "failed_checks": checks, "errors": errors}


def month_arg(text: str) -> str:
    """argparse type for YYYY-MM."""
    date.fromisoformat(f"{text}-01")
    return text
