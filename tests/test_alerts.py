"""A cron-driven `crowdout refresh` alerts on failure as the daemon's sensor does: a POST to
CROWDOUT_ALERT_WEBHOOK whose payload is built from the run's events (run_outcome), in the reasons the CLI
prints; the failure's record is the Dagster run, not a file of the CLI's own."""

from __future__ import annotations

import pytest

from orchestration import cli
from orchestration.run_outcome import RunOutcome
from orchestration.runs import refresh
from tests.support.webhook import webhook


@pytest.fixture
def hook(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    with webhook() as server:
        monkeypatch.setenv("CROWDOUT_ALERT_WEBHOOK", server.url)
        yield server


def test_a_failed_refresh_run_is_posted_with_its_reasons(hook, tmp_path, monkeypatch, capsys):
    run = RunOutcome(
        run_id="run-1", job="__ASSET_JOB", status="FAILURE", started_at="2026-11-30T06:00:00+00:00",
        ended_at="2026-11-30T06:01:00+00:00", trigger="cli",
        steps=[{"step": "ingest_cbp_sbo", "status": "success", "seconds": 1.0},
               {"step": "dbt_models", "status": "failed", "seconds": None}],
        errors=["dbt_models: dbt build failed\nmore detail"])
    failed = refresh.RefreshOutcome(seconds=3.0, instance=str(tmp_path), new=["cbp-sbo: 1 release"], run=run)
    monkeypatch.setattr(refresh, "run_refresh", lambda *a, **k: failed)
    assert cli.main(["refresh"]) == 1
    posted = hook.posted[0]
    assert posted["run_id"] == "run-1" and posted["failed_steps"] == ["dbt_models"]
    assert posted["message"] == "dbt_models: dbt build failed\nmore detail" and "failed" in posted["text"]
    assert posted["tags"] == {"crowdout/trigger": "cli"}
    captured = capsys.readouterr()
    assert "dbt_models: dbt build failed" in captured.err  # what the CLI prints is what was posted
    assert "posted to http://127.0.0.1" in " ".join(captured.err.split())


def test_a_refresh_that_crashes_before_its_run_ends_alerts_too(hook, monkeypatch):
    def crash(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(refresh, "run_refresh", crash)
    assert cli.main(["refresh"]) == 1
    assert hook.posted[0]["run_id"] is None and hook.posted[0]["message"] == "disk full"


def test_an_observation_that_could_not_look_is_posted_as_what_happened_not_as_run_none(hook, tmp_path, monkeypatch):
    """Issue 20, review finding 5: the alert said "crowdout run None (observe) failed: ..."."""
    down = ("cbp-sbo page https://www.cbp.gov/x: proxy http://127.0.0.1:9 unreachable (connection refused by "
            "127.0.0.1:9); no publisher was asked through it.")
    looked = refresh.RefreshOutcome(seconds=0.1, instance=str(tmp_path), published_at="2026-11-30T06:00:00+00:00",
                                    could_not_look=[down, down.replace("cbp-sbo page", "cbp-nationwide-aor page")])
    monkeypatch.setattr(refresh, "run_refresh", lambda *a, **k: looked)
    assert cli.main(["refresh"]) == 1
    (posted,) = hook.posted
    assert "None" not in posted["text"] and posted["run_id"] is None
    assert posted["text"].startswith("crowdout refresh could not look at the publishers (no run was started): "
                                     "cbp-sbo, cbp-nationwide-aor: proxy http://127.0.0.1:9 unreachable")
    assert posted["message"].count("unreachable") == 1  # one line for the proxy, naming both families
