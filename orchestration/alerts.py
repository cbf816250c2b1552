"""What happens when a run fails: a POST to the team's webhook (CROWDOUT_ALERT_WEBHOOK: Slack, Teams or
any endpoint taking JSON), with a payload built from the run's own events.

The failure's record is the Dagster run itself (`crowdout status` and the UI read it); the payload says
what they say: each failed step's reason in its own words (a refused publish names the loss and
`--allow-shrink`, an unreachable publisher names its host), each failed check with the way out. A
webhook that is down must not hide the failure, so its error is returned for logging, never raised.

Failures quote URLs and error text: what is posted or printed is redacted (`safe_text.redact`, and the
webhook's and PostgreSQL URLs wherever they appear) and cut to a readable size. The webhook is named by
its host only: a Slack or Teams webhook's path is its secret.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests

from orchestration.config import Settings
from orchestration.safe_text import REDACTED, redact, truncate

NO_MESSAGE = "run failed without an error message (its process ended: killed, out of memory or aborted)"


def failure_payload(run) -> dict:
    """The alert for a failed run (a run_outcome.RunOutcome)."""
    checks = [f"check {c['check']} on {c['asset']} ({c['severity']}): {c['description']}; {c['way_out']}"
              for c in run.failed_checks if c["severity"] == "ERROR"]
    return {
        "run_id": run.run_id,
        "job": run.job,
        "failed_at": run.ended_at or _now(),
        "message": "\n".join([*run.errors, *checks]) or NO_MESSAGE,
        "failed_steps": run.failed_steps,
        "failed_checks": run.failed_checks,
        "tags": {"crowdout/trigger": run.trigger},
    }


def crash_payload(message: str, *, job: str, trigger: str) -> dict:
    """The alert for a refresh that failed before its run could record anything (a full disk among them)."""
    return {"run_id": None, "job": job, "failed_at": _now(), "message": message or NO_MESSAGE,
            "failed_steps": [], "failed_checks": [], "tags": {"crowdout/trigger": trigger}}


def _what_failed(failure: dict) -> str:
    """The chat line's subject: the run, or, when none was recorded, what failed instead (an observation
    that could not look at a publisher starts no run)."""
    job = failure.get("job")
    if failure.get("run_id"):
        return f"crowdout run {failure['run_id']} ({job}) failed"
    if job == "observe":
        return "crowdout refresh could not look at the publishers (no run was started)"
    return f"crowdout {job} failed before a Dagster run recorded it"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


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


def post_webhook(settings: Settings, failure: dict, *, timeout_s: float = 10.0) -> str | None:
    """POST the failure as JSON (with a `text` line chat tools show), redacted; returns a problem, or None."""
    url = settings.alert_webhook
    if not url:
        return None
    failure = _scrubbed(settings, failure)
    text = f"{_what_failed(failure)}: {failure.get('message')}"
    try:
        response = requests.post(url, json={"text": text, **failure}, timeout=timeout_s)
        response.raise_for_status()
    except requests.RequestException as exc:
        return scrub(settings, f"could not post the failure to {webhook_label(settings)}: {exc}")
    return None
