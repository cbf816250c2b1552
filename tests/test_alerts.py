"""A cron-driven `crowdout refresh` alerts on failure as the daemon's sensor does: a line in the failure
log and a POST to CROWDOUT_ALERT_WEBHOOK."""

from __future__ import annotations

import pytest

from orchestration import alerts, cli
from orchestration.config import load_settings
from orchestration.runs import refresh
from tests.support.webhook import webhook


@pytest.fixture
def hook(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    with webhook() as server:
        monkeypatch.setenv("CROWDOUT_ALERT_WEBHOOK", server.url)
        yield server


def test_a_failed_refresh_run_is_recorded_and_posted(hook, monkeypatch, capsys):
    failed = refresh.RefreshOutcome(
        run_id="run-1", success=False, started_at="2026-11-30T06:00:00+00:00", seconds=3.0,
        instance="ephemeral", new=["cbp-sbo: 1 release"],
        steps=[{"step": "trac_bulletin", "status": "success", "seconds": 1.0},
               {"step": "dbt_models", "status": "failed", "seconds": None}],
        errors=["dbt_models: dbt build failed\nmore detail"])
    monkeypatch.setattr(refresh, "run_refresh", lambda *a, **k: failed)
    assert cli.main(["refresh"]) == 1
    posted = hook.posted[0]
    assert posted["run_id"] == "run-1" and posted["failed_steps"] == ["dbt_models"]
    assert posted["message"] == "dbt_models: dbt build failed" and "failed" in posted["text"]
    assert posted["tags"] == {"crowdout/trigger": "cli"}
    assert alerts.last_failure(load_settings())["run_id"] == "run-1"
    assert "posted to http://127.0.0.1" in " ".join(capsys.readouterr().err.split())


def test_a_refresh_that_crashes_before_its_run_ends_alerts_too(hook, monkeypatch):
    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(refresh, "run_refresh", crash)
    assert cli.main(["refresh"]) == 1
    assert hook.posted[0]["run_id"] is None and hook.posted[0]["message"] == "disk full"
