"""What a run did, read back from its Dagster events: the one record `crowdout refresh`, `crowdout status`
and the failure alert all report, and the one the UI shows.

Nothing here keeps a record of its own. Steps, their reasons for failing, failed checks and what each
ingest step loaded or failed to load are read from the run's event log in the instance, whoever started
the run (the CLI, the daemon, the UI). A step's error is said as the people who read it need it: the
exception the step raised, not Dagster's wrapper around it ("Error occurred while executing op ..."),
and an interrupted step as one line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from orchestration.asset_keys import PUBLISHED_WAREHOUSE
from orchestration.safe_text import without_ansi

# Metadata keys the steps write for this module to read (defs/ingest.py, defs/publish.py).
RELEASES = "crowdout/releases"  # ingest: one entry per release it loaded or failed (family, file, status, ...)
WITHDRAWN = "crowdout/withdrawn"  # publish: releases the build leaves out that analysts had (release_id, reason)
PUBLISHED = "crowdout/published_releases"  # publish: release ids new in the file analysts read
WAY_OUT = "crowdout/way_out"  # a check: what to do about its failure, said by the check that knows it

INTERRUPTED = "interrupted (Ctrl-C)"
# Dagster's classes around the exception a step raised; the reason is the innermost one.
_WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError", "DagsterResourceFunctionError"}
_INTERRUPTS = {"DagsterExecutionInterruptedError", "KeyboardInterrupt"}
_CHECKS_FAILED = "DagsterAssetCheckFailedError"  # blocking checks failed: the checks say why


def reason(error) -> str:
    """The message of the exception a step raised (a SerializableErrorInfo), without its class path."""
    while error.cause is not None and error.cls_name in _WRAPPERS:
        error = error.cause
    if error.cls_name in _INTERRUPTS:
        return INTERRUPTED
    message = without_ansi(error.message).strip()
    return re.sub(rf"^[\w.]*\b{re.escape(error.cls_name)}:\s*", "", message, count=1) or error.cls_name


def check_way_out(asset: str, check: str, metadata: dict) -> str:
    """What to do about a failed check: its own advice when it gives one (one piece of advice per check,
    never a generic one after it), else where its failing rows are, or which release to look at."""
    if metadata.get(WAY_OUT):
        return metadata[WAY_OUT]
    if asset.startswith("raw/"):
        return ("the newest release of that family broke it: fix the connector, or withdraw the release "
                "(`crowdout release withdraw <release_id>`), then `crowdout refresh`")
    return (f"its failing rows are in the build warehouse: run the compiled SQL of {check} (under <data dir>/"
            "dbt-target/compiled) with `crowdout query --build`; fix the data or model, then refresh")


@dataclass
class RunOutcome:
    run_id: str
    job: str
    status: str  # Dagster's run status: SUCCESS, FAILURE, CANCELED, STARTED, ...
    started_at: str | None
    ended_at: str | None
    trigger: str  # cli, a sensor's name, or ui
    steps: list[dict] = field(default_factory=list)  # step, status, seconds
    failed_checks: list[dict] = field(default_factory=list)  # asset, check, severity, description, way_out
    errors: list[str] = field(default_factory=list)  # "<step>: <reason>", or the run's own failure
    releases: list[dict] = field(default_factory=list)  # RELEASES entries of every ingest step
    withdrawn: list[dict] = field(default_factory=list)  # WITHDRAWN entries of the publish
    published_releases: list[str] = field(default_factory=list)  # PUBLISHED ids of the publish
    published: bool = False

    @property
    def success(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def interrupted(self) -> bool:
        return any(e.endswith(INTERRUPTED) for e in self.errors)

    @property
    def failed_steps(self) -> list[str]:
        return [s["step"] for s in self.steps if s["status"] == "failed"]


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds") if timestamp else None


def _json(metadata: dict, key: str) -> list:
    value = metadata.get(key)
    return list(value.value) if value is not None else []


def read_run(instance, run_id: str) -> RunOutcome | None:
    """The outcome of run `run_id` as its events tell it, or None if the instance has no such run."""
    from dagster import RunsFilter

    records = instance.get_run_records(RunsFilter(run_ids=[run_id]), limit=1)
    if not records:
        return None
    record = records[0]
    run = record.dagster_run
    outcome = RunOutcome(
        run_id=run.run_id, job=run.job_name, status=run.status.value,
        started_at=_iso(record.start_time), ended_at=_iso(record.end_time),
        trigger=run.tags.get("crowdout/trigger", run.tags.get("dagster/sensor_name", "ui")),
    )
    run_failure = None
    checks_of = defaultdict(list)  # step -> its failed ERROR checks, which stop it
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        kind, data = event.event_type_value, event.event_specific_data
        if kind == "STEP_SUCCESS":
            outcome.steps.append({"step": event.step_key, "status": "success",
                                  "seconds": round(data.duration_ms / 1000, 1)})
        elif kind == "STEP_FAILURE":
            outcome.steps.append({"step": event.step_key, "status": "failed", "seconds": None})
            why = reason(data.error) if data.error else event.message
            if data.error and data.error.cls_name == _CHECKS_FAILED:
                why = _stopped_by(checks_of[event.step_key])
            outcome.errors.append(f"{event.step_key}: {why}")
            if data.user_failure_data:
                outcome.releases += _json(data.user_failure_data.metadata, RELEASES)
        elif kind == "STEP_SKIPPED":
            outcome.steps.append({"step": event.step_key, "status": "skipped", "seconds": None})
        elif kind == "ASSET_MATERIALIZATION":
            metadata = data.materialization.metadata
            outcome.releases += _json(metadata, RELEASES)
            outcome.withdrawn += _json(metadata, WITHDRAWN)
            outcome.published_releases += _json(metadata, PUBLISHED)
            outcome.published = outcome.published or data.materialization.asset_key.to_user_string() == PUBLISHED_WAREHOUSE
        elif kind == "ASSET_CHECK_EVALUATION" and not data.passed:
            outcome.failed_checks.append(_failed_check(data))
            if data.severity.value == "ERROR":
                checks_of[event.step_key].append(outcome.failed_checks[-1])
        elif kind == "RUN_FAILURE" and data and data.error:  # the run failed outside any step
            run_failure = reason(data.error)
    if run_failure and not outcome.errors:
        outcome.errors.append(run_failure)
    return outcome


def _stopped_by(checks: list[dict]) -> str:
    """A step stopped by its blocking checks, said in place of Dagster's "N blocking asset checks failed
    with ERROR severity": which checks; each check's own line says why and what to do."""
    if not checks:
        return "stopped by its failing checks"
    named = "; ".join(f"{c['asset']} {c['check']}" for c in checks)
    return f"stopped by {len(checks)} failing check{'s' if len(checks) > 1 else ''}: {named}"


def _failed_check(evaluation) -> dict:
    """A failed AssetCheckEvaluation as the CLI, status and the alert say it."""
    asset = evaluation.asset_key.to_user_string()
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    return {
        "asset": asset, "check": evaluation.check_name, "severity": evaluation.severity.value,
        "description": evaluation.description or _dbt_test_description(metadata),
        "way_out": check_way_out(asset, evaluation.check_name, metadata),
    }


def failing_checks(instance, check_keys) -> list[dict]:
    """Checks whose latest evaluation, in any run, failed: what the UI's check badges count."""
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(check_keys))
    failing = []
    for key in sorted(latest, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        record = latest[key]
        if record.status.value == "FAILED" and record.event and record.event.dagster_event:
            failing.append(_failed_check(record.event.dagster_event.event_specific_data))
    return failing


def _dbt_test_description(metadata: dict) -> str:
    failures = metadata.get("dagster_dbt/failed_row_count", metadata.get("failures"))
    return f"dbt test failed ({failures} failing rows)" if failures is not None else "dbt test failed"


def last_run(instance) -> RunOutcome | None:
    """The newest run of any trigger (UI, sensor, schedule, CLI)."""
    records = instance.get_run_records(limit=1)
    return read_run(instance, records[0].dagster_run.run_id) if records else None
