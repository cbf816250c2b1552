"""What happens when a run fails: a line in the failure log, and a POST to the team's webhook if set.

The log (`<data dir>/run_failures.jsonl`) is what `crowdout status` and a post-mortem read; the webhook
(CROWDOUT_ALERT_WEBHOOK: Slack, Teams or any endpoint taking JSON) is what wakes someone up. A webhook
that is down must not hide the failure, so its error is returned for logging, never raised; and a log that
cannot be written (a full disk, the usual cause of the failure itself) must not stop the webhook.

Failures quote URLs and error text: what is stored and posted is redacted (`safe_text.redact`, and the
webhook's and PostgreSQL URLs wherever they appear) and cut to a readable size. The webhook is named by
its host only: a Slack or Teams webhook's path is its secret.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import requests

from orchestration.config import Settings
from orchestration.safe_text import REDACTED, redact, truncate


def failure_log(settings: Settings) -> Path:
    return settings.data_dir / "run_failures.jsonl"


def webhook_label(settings: Settings) -> str:
    """The webhook as it may be printed: scheme and host, no credentials, path or query."""
    parts = urlsplit(settings.alert_webhook or "")
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def scrub(settings: Settings, text: str) -> str:
    """`text` without a secret: the webhook's URL is its label, the PostgreSQL URL is named by its
    variable, any other URL loses its credentials and secret query values."""
    if settings.alert_webhook:
        text = text.replace(settings.alert_webhook, webhook_label(settings))
        path = urlsplit(settings.alert_webhook)._replace(scheme="", netloc="").geturl()
        if len(path) > 1:  # requests quotes the path alone in its errors
            text = text.replace(path, "/" + REDACTED)
    if settings.postgres_url:
        text = text.replace(settings.postgres_url, "$CROWDOUT_DAGSTER_POSTGRES_URL")
    return redact(text)


def _scrubbed(settings: Settings, value):
    if isinstance(value, str):
        return truncate(scrub(settings, value))
    if isinstance(value, dict):
        return {k: _scrubbed(settings, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(settings, v) for v in value]
    return value


def record_failure(settings: Settings, failure: dict) -> Path:
    path = failure_log(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(_scrubbed(settings, failure), default=str) + "\n")
    return path


def post_webhook(settings: Settings, failure: dict, *, timeout_s: float = 10.0) -> str | None:
    """POST the failure as JSON (with a `text` line chat tools show); returns a problem, or None."""
    url = settings.alert_webhook
    if not url:
        return None
    failure = _scrubbed(settings, failure)
    text = f"crowdout run {failure.get('run_id')} ({failure.get('job')}) failed: {failure.get('message')}"
    try:
        response = requests.post(url, json={"text": text, **failure}, timeout=timeout_s)
        response.raise_for_status()
    except requests.RequestException as exc:
        return scrub(settings, f"could not post the failure to {webhook_label(settings)}: {exc}")
    return None


def report(settings: Settings, failure: dict) -> list[str]:
    """Record the failure and post it, each whatever became of the other: returns the problems met. A
    failure with no message (a run whose process died without a step failing) says so, never nothing."""
    failure = {**failure, "message": failure.get("message") or "run failed without an error message "
               "(its process ended: killed, out of memory or aborted)"}
    problems = []
    try:
        record_failure(settings, failure)
    except OSError as exc:
        problems.append(f"could not record the failure in {failure_log(settings)}: {exc}")
        failure["message"] = f"{failure['message']} (not recorded locally: {exc})"
    problem = post_webhook(settings, failure)
    return problems + ([problem] if problem else [])


def last_failure(settings: Settings) -> dict | None:
    """The last complete record; a line cut short (a disk that filled while it was written) is passed over."""
    path = failure_log(settings)
    if not path.exists():
        return None
    for line in reversed(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            continue
    return None


def alert(settings: Settings, *, run_id: str | None, job: str, message: str, failed_steps: list[str],
          trigger: str) -> list[str]:
    """Record a failure and post it, as the daemon's `run_failure_alerts` sensor does for its runs: the
    path for runs no daemon watches (a cron-driven `crowdout refresh`). Returns the problems met."""
    failure = {
        "run_id": run_id,
        "job": job,
        "failed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "message": message,
        "failed_steps": failed_steps,
        "tags": {"crowdout/trigger": trigger},
    }
    return report(settings, failure)
