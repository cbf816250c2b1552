"""What happens when a run fails: a POST to the team's webhook (CROWDOUT_ALERT_WEBHOOK: Slack, Teams or
any endpoint taking JSON), with a payload built from the run's own events.

The failure's record is the Dagster run itself (`crowdout status` and the UI read it); the payload says
what they say: each failed step's reason in its own words (a refused publish names the loss and
`--allow-shrink`, an unreachable publisher names its host), each failed check with the way out. A
webhook that is down must not hide the failure, so its error is returned for logging, never raised.
"""

from __future__ import annotations

from datetime import datetime, timezone

import requests

from orchestration.config import Settings


def failure_payload(run) -> dict:
    """The alert for a failed run (a defs.outcome.RunOutcome)."""
    checks = [f"check {c['check']} on {c['asset']} ({c['severity']}): {c['description']}; {c['way_out']}"
              for c in run.failed_checks if c["severity"] == "ERROR"]
    return {
        "run_id": run.run_id,
        "job": run.job,
        "failed_at": run.ended_at or _now(),
        "message": "\n".join([*run.errors, *checks]) or f"run {run.status}",
        "failed_steps": run.failed_steps,
        "failed_checks": run.failed_checks,
        "tags": {"crowdout/trigger": run.trigger},
    }


def crash_payload(message: str, *, job: str, trigger: str) -> dict:
    """The alert for a refresh that failed before its run could record anything."""
    return {"run_id": None, "job": job, "failed_at": _now(), "message": message, "failed_steps": [],
            "failed_checks": [], "tags": {"crowdout/trigger": trigger}}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def post_webhook(settings: Settings, failure: dict, *, timeout_s: float = 10.0) -> str | None:
    """POST the failure as JSON (with a `text` chat tools show); returns a problem, or None."""
    url = settings.alert_webhook
    if not url:
        return None
    text = f"crowdout run {failure.get('run_id')} ({failure.get('job')}) failed: {failure.get('message')}"
    try:
        response = requests.post(url, json={"text": text, **failure}, timeout=timeout_s)
        response.raise_for_status()
    except requests.RequestException as exc:
        return f"could not post the failure to {url}: {exc}"
    return None
