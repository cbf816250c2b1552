"""Release sensors (one per publisher) and the run-failure sensor; the logic is in plain modules.

A release sensor's cursor is everything it has seen (URL -> ETag, Last-Modified, sha256), so it asks for a
run only when a file is new or its bytes changed. TRAC pages are one month each: a new page asks for that
month's partition. CBP and OHSS files restate every month they cover: a change asks for every month.
Release sensors start stopped (in live mode they call the publishers); the failure sensor starts running.
"""

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime, timezone

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from orchestration import alerts, release_watch
from orchestration.config import load_settings
from orchestration.defs.assets_raw import family_slug, release_key
from orchestration.defs.partitions import MONTHLY, MONTHLY_FAMILIES, full_range_tags
from orchestration.defs.resources import CrowdoutResource

# How far back a sensor looks for month-addressed releases; older months are the schedule's job.
RECENT_MONTHS = 3
RELEASE_SENSOR_INTERVAL_S = 6 * 3600


def _digest(changes: list[release_watch.Change]) -> str:
    return hashlib.sha256("".join(sorted(c.sha256 for c in changes)).encode()).hexdigest()[:16]


def _recent_months() -> list[date]:
    return [date.fromisoformat(k) for k in MONTHLY.get_partition_keys()[-RECENT_MONTHS:]]


def run_requests(changes: list[release_watch.Change]) -> list[RunRequest]:
    """One run per changed month of a month-addressed family (TRAC); one run over every month for all
    changed rolling files together, since each restates all the months it covers."""
    by_month: dict[str | None, list[release_watch.Change]] = defaultdict(list)
    for change in changes:
        by_month[change.ref.params["month"] if change.ref.family in MONTHLY_FAMILIES else None].append(change)
    requests = []
    for month, group in sorted(by_month.items(), key=lambda kv: kv[0] or ""):
        kinds = sorted({c.kind for c in group})
        restated = sorted({c.ref.family for c in group if c.kind == "restated"})
        tags = {"crowdout/trigger": "sensor", "crowdout/releases": ",".join(kinds)}
        common = dict(
            run_key=f"{month or 'all-months'}:{_digest(group)}",
            run_config={"ops": {family_slug(f): {"config": {"refetch": True}} for f in restated}},
        )
        if month:
            requests.append(RunRequest(partition_key=f"{month}-01", tags=tags, **common))
        else:
            requests.append(RunRequest(tags={**tags, **full_range_tags()}, **common))
    return requests


def build_release_sensor(publisher: str, families: list[str]):
    target = AssetSelection.assets(*(release_key(f) for f in families)).downstream().materializable()

    @sensor(
        name=f"{publisher}_releases",
        target=target,
        minimum_interval_seconds=RELEASE_SENSOR_INTERVAL_S,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"Asks for a run when {publisher} publishes a new or restated release "
        f"({', '.join(families)}).",
    )
    def _sensor(context: SensorEvaluationContext, crowdout: CrowdoutResource):
        seen = json.loads(context.cursor) if context.cursor else {}
        months = {f: _recent_months() for f in families if f in MONTHLY_FAMILIES}
        found = release_watch.watch(crowdout.settings(), families, seen, months=months)
        for problem in found.errors:
            context.log.warning(problem)
        cursor = json.dumps(found.seen, sort_keys=True)
        if not found.changes:
            return SensorResult(skip_reason=SkipReason(f"no new or restated {publisher} release"), cursor=cursor)
        for change in found.changes:
            context.log.info(f"{change.kind}: {change.ref} sha256 {change.sha256[:12]}")
        return SensorResult(run_requests=run_requests(found.changes), cursor=cursor)

    return _sensor


def _families_by_publisher() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for name, cfg in load_settings().releases["families"].items():
        grouped[cfg["publisher"]].append(name)
    return dict(grouped)


RELEASE_SENSORS = [build_release_sensor(p, fams) for p, fams in sorted(_families_by_publisher().items())]


@run_failure_sensor(name="run_failure_alerts", default_status=DefaultSensorStatus.RUNNING)
def run_failure_alerts(context: RunFailureSensorContext):
    """Record every failed run and post it to CROWDOUT_ALERT_WEBHOOK when one is set."""
    run = context.dagster_run
    failure = {
        "run_id": run.run_id,
        "job": run.job_name,
        "failed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "message": context.failure_event.message,
        "failed_steps": [e.step_key for e in context.get_step_failure_events()],
        "tags": dict(run.tags),
    }
    settings = load_settings()
    alerts.record_failure(settings, failure)
    problem = alerts.post_webhook(settings, failure)
    if problem:
        context.log.warning(problem)
