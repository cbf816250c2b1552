"""Every failure reaches the alert path, and no alert, log line or warning carries a secret.

Hostile and faulty inputs: a webhook URL with `user:PASSWORD@` (printed on success and in the "could not
post" warning before), an error quoting a URL with credentials and the PostgreSQL URL, a refresh that dies
of a full disk (`[Errno 28]`), and a run whose child process aborted or whose process died. The failure's
record is the Dagster run; nothing else is written locally, so a full disk cannot stop the alert.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context, job, op

from orchestration import cli
from orchestration.config import load_settings
from orchestration.defs.automation import alert_failed_run
from orchestration.runs import refresh
from tests.support.webhook import webhook

PASSWORD = "hunter2-PASSWORD"
PG = f"postgresql+psycopg2://crowdout:{PASSWORD}@db.internal:5432/dagster"


@pytest.fixture
def hook(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    monkeypatch.setenv("CROWDOUT_DAGSTER_POSTGRES_URL", PG)
    with webhook() as server:
        monkeypatch.setenv("CROWDOUT_ALERT_WEBHOOK", server.url.replace("http://", f"http://ops:{PASSWORD}@"))
        yield server


def crash_with(exc: BaseException):
    def crash(*a, **k):
        raise exc

    return crash


def test_a_webhook_with_credentials_is_never_printed_or_stored(hook, monkeypatch, capsys):
    message = f"cbp-sbo x.csv (https://u:{PASSWORD}@www.cbp.gov/x.csv?token={PASSWORD}): HTTP 500; store {PG}"
    monkeypatch.setattr(refresh, "run_refresh", crash_with(RuntimeError(message)))
    assert cli.main(["refresh"]) == 1
    out = capsys.readouterr()
    printed = " ".join((out.out + out.err).split())
    assert PASSWORD not in printed
    assert f"posted to http://127.0.0.1:{hook.server_address[1]}." in printed
    assert PASSWORD not in str(hook.posted)
    assert "(https://***@www.cbp.gov/x.csv?token=***): HTTP 500" in hook.posted[0]["message"]
    assert "$CROWDOUT_DAGSTER_POSTGRES_URL" in hook.posted[0]["message"]


def test_the_could_not_post_warning_carries_no_credentials(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    monkeypatch.setenv("CROWDOUT_ALERT_WEBHOOK", f"http://ops:{PASSWORD}@127.0.0.1:9/hook/{PASSWORD}")
    monkeypatch.setattr(refresh, "run_refresh", crash_with(RuntimeError("dbt build failed")))
    assert cli.main(["refresh"]) == 1
    printed = " ".join(capsys.readouterr().err.split())
    assert "could not post the failure to http://127.0.0.1:9" in printed and PASSWORD not in printed


def test_a_full_disk_still_reaches_the_webhook(hook, monkeypatch, capsys):
    monkeypatch.setattr(refresh, "run_refresh", crash_with(OSError(28, "No space left on device")))
    assert cli.main(["refresh"]) == 1
    [posted] = hook.posted
    assert "[Errno 28] No space left on device" in posted["message"]
    printed = " ".join(capsys.readouterr().err.split())
    assert "posted to http://127.0.0.1" in printed


@op
def abort_child():
    subprocess.run([sys.executable, "-c", "import os; os.abort()"], check=True)


@job
def aborting():
    abort_child()


def _sensor(instance, run_id):
    [record] = instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)
    context = build_run_status_sensor_context(
        sensor_name="run_failure_alerts", dagster_event=record.dagster_event, dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id)).for_run_failure()
    alert_failed_run(context)


def test_a_run_whose_child_aborted_is_alerted(hook):
    with DagsterInstance.ephemeral() as instance:
        result = aborting.execute_in_process(instance=instance, raise_on_error=False)
        _sensor(instance, result.run_id)
    [posted] = hook.posted
    assert posted["run_id"] == result.run_id and posted["failed_steps"] == ["abort_child"]
    assert posted["message"]


def test_a_run_whose_process_died_is_alerted_with_a_message(hook):
    with DagsterInstance.ephemeral() as instance:
        run = instance.create_run_for_job(aborting)
        instance.report_run_failed(run, "")  # as run monitoring or a later refresh marks a killed run
        _sensor(instance, run.run_id)
    [posted] = hook.posted
    assert posted["run_id"] == run.run_id and "its process ended" in posted["message"]


def test_a_refresh_whose_process_aborted_is_alerted_by_the_next(hook):
    """The refresh process itself aborted (exit 134, as calamine's failed allocation did): it could alert
    no one, so the next refresh, finding its run STARTED with no live process, fails it and alerts."""
    from dagster import DagsterRunStatus

    gone = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # no process can have it
    with DagsterInstance.ephemeral() as instance:
        run = instance.create_run_for_job(aborting, status=DagsterRunStatus.STARTED,
                                          tags={refresh.PID_TAG: str(gone)})
        assert refresh.fail_dead_runs(instance, load_settings()) == [run.run_id]
        assert instance.get_run_by_id(run.run_id).status == DagsterRunStatus.FAILURE
    [posted] = hook.posted
    assert posted["run_id"] == run.run_id and "killed or aborted" in posted["message"]
