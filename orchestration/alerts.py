"""What happens when a run fails: a line in the failure log, and a POST to the team's webhook if set.

The log (`<data dir>/run_failures.jsonl`) is what `crowdout status` and a post-mortem read; the webhook
(CROWDOUT_ALERT_WEBHOOK: Slack, Teams or any endpoint taking JSON) is what wakes someone up. A webhook
that is down must not hide the failure, so its error is returned for logging, never raised.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import requests

from orchestration.config import Settings


def failure_log(settings: Settings) -> Path:
    return settings.data_dir / "run_failures.jsonl"


def record_failure(settings: Settings, failure: dict) -> Path:
    path = failure_log(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(failure, default=str) + "\n")
    return path


def post_webhook(settings: Settings, failure: dict, *, timeout_s: float = 10.0) -> str | None:
    """POST the failure as JSON (with a `text` line chat tools show); returns a problem, or None."""
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


def last_failure(settings: Settings) -> dict | None:
    path = failure_log(settings)
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    return json.loads(lines[-1]) if lines else None


def alert(settings: Settings, *, run_id: str | None, job: str, message: str, failed_steps: list[str],
          trigger: str) -> str | None:
    """Record a failure and post it, as the daemon's `run_failure_alerts` sensor does for its runs: the
    path for runs no daemon watches (a cron-driven `crowdout refresh`). Returns the webhook's problem."""
    failure = {
        "run_id": run_id,
        "job": job,
        "failed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "message": message,
        "failed_steps": failed_steps,
        "tags": {"crowdout/trigger": trigger},
    }
    record_failure(settings, failure)
    return post_webhook(settings, failure)
