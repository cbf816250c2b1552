"""The Dagster instance crowdout runs on: its dagster.yaml, written from a template, and its run history.

Every entry point (`crowdout refresh`, `dg dev`, the production daemon and webserver) uses one
DAGSTER_HOME, so the UI shows what the CLI did and the daemon sees the runs the UI started. What the
instance stores is chosen by the environment when `crowdout instance init` writes the file: PostgreSQL
when CROWDOUT_DAGSTER_POSTGRES_URL is set (a team's run database), SQLite files under DAGSTER_HOME
otherwise. The URL itself is never written to disk: the file names the variable, and each Dagster process
reads it when it starts.

Dagster's own `retention` setting only purges sensor and schedule ticks; runs and their event logs are
pruned here (`prune_run_history`), by `crowdout instance prune` (run it from cron or a systemd timer).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import jinja2

from orchestration.config import PACKAGE_DIR, POSTGRES_URL_ENV, InstanceConfig, Settings

TEMPLATE = PACKAGE_DIR / "deploy" / "dagster.yaml.j2"

# Runs that may be deleted: finished ones. A queued or running run is never pruned, however old.
_FINISHED = ("SUCCESS", "FAILURE", "CANCELED")


def render_dagster_yaml(home: Path, policy: InstanceConfig, *, postgres: bool) -> str:
    """dagster.yaml for `home`: PostgreSQL storage named by its environment variable, or SQLite under home."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    template = env.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(
        home=home.as_posix(),
        postgres=postgres,
        postgres_env=POSTGRES_URL_ENV,
        retention_days=policy.run_retention_days,
        start_timeout_seconds=policy.start_timeout_seconds,
        cancel_timeout_seconds=policy.cancel_timeout_seconds,
        poll_interval_seconds=policy.poll_interval_seconds,
    )


# SQLAlchemy 2.1 reads a bare postgresql:// URL as psycopg 3, which dagster-postgres does not install.
POSTGRES_SCHEME = "postgresql+psycopg2://"


class InstanceConfigError(ValueError):
    """The environment asks for an instance that could not start; the message says what to change."""


def init_instance(settings: Settings) -> Path:
    """Write DAGSTER_HOME/dagster.yaml (replacing an older one: the template is the source of truth)."""
    url = settings.postgres_url
    if url and not url.startswith(POSTGRES_SCHEME):
        scheme = url.split("://", 1)[0] + "://" if "://" in url else "(none)"
        raise InstanceConfigError(
            f"{POSTGRES_URL_ENV} must start with {POSTGRES_SCHEME} (the driver this project installs), "
            f"not {scheme}: e.g. {POSTGRES_SCHEME}USER:PASSWORD@HOST:5432/DATABASE"
        )
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    text = render_dagster_yaml(home, settings.releases.instance, postgres=bool(settings.postgres_url))
    path = home / "dagster.yaml"
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def open_instance(settings: Settings):
    """The instance at settings.dagster_home, its dagster.yaml written first if it has none. The caller
    closes it (it is a context manager)."""
    from dagster import DagsterInstance

    if not (settings.dagster_home / "dagster.yaml").exists():
        init_instance(settings)
    return DagsterInstance.from_config(str(settings.dagster_home))


def prune_run_history(instance, *, older_than_days: int, now: datetime | None = None) -> list[str]:
    """Delete finished runs (and their event logs) created more than `older_than_days` ago; their ids."""
    from dagster import DagsterRunStatus, RunsFilter

    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=older_than_days)
    records = instance.get_run_records(
        filters=RunsFilter(statuses=[DagsterRunStatus[s] for s in _FINISHED], created_before=cutoff)
    )
    run_ids = [record.dagster_run.run_id for record in records]
    for run_id in run_ids:
        instance.delete_run(run_id)
    return run_ids
