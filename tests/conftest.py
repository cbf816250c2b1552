"""Fixtures every test folder may use."""

import dataclasses

import pytest

from orchestration.config import load_settings

pytest_plugins = ["tests.support.publisher", "tests.support.sample_warehouse_fixtures", "tests.support.postgres",
                  "tests.support.distribution"]


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Sample-mode settings on a private warehouse and landing folder, with HTTP limits short enough
    that a misbehaving publisher fails a test in about a second: one retry, no backoff."""
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    monkeypatch.setenv("CROWDOUT_LANDING", str(tmp_path / "landing"))
    s = load_settings(live=False)
    short = s.releases.http.model_copy(update={"timeout_seconds": 1, "retries": 1, "backoff_factor": 0})
    return dataclasses.replace(s, releases=s.releases.model_copy(update={"http": short}))
