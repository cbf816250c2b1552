"""The instance crowdout's services share: its dagster.yaml loads in Dagster, with SQLite or PostgreSQL, and
old finished runs are pruned while queued ones stay."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus

from orchestration.config import POSTGRES_URL_ENV, load_settings
from orchestration.runs import instance


def _settings(tmp_path, monkeypatch, postgres_url=None):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    if postgres_url:
        monkeypatch.setenv(POSTGRES_URL_ENV, postgres_url)
    else:
        monkeypatch.delenv(POSTGRES_URL_ENV, raising=False)
    return load_settings()


def test_sqlite_instance_loads_with_run_monitoring_and_one_run_at_a_time(tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch)
    path = instance.init_instance(settings)
    config = yaml.safe_load(path.read_text())
    assert config["storage"] == {"sqlite": {"base_dir": f"{settings.dagster_home.as_posix()}/storage"}}
    assert config["run_monitoring"]["enabled"] is True
    with DagsterInstance.from_config(str(settings.dagster_home)) as dagster_instance:
        assert dagster_instance.run_monitoring_enabled
        assert dagster_instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert type(dagster_instance.run_storage).__name__ == "SqliteRunStorage"


def test_postgres_config_names_the_variable_and_never_holds_the_secret(tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch, postgres_url="postgresql+psycopg2://crowdout:s3cret@db.example:5432/d")
    text = instance.init_instance(settings).read_text()
    assert "s3cret" not in text
    assert yaml.safe_load(text)["storage"] == {"postgres": {"postgres_url": {"env": POSTGRES_URL_ENV}}}


def test_a_url_for_another_driver_is_refused_with_the_form_to_use(tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch, postgres_url="postgresql://crowdout:s3cret@db.example:5432/d")
    with pytest.raises(instance.InstanceConfigError, match=r"must start with postgresql\+psycopg2://"):
        instance.init_instance(settings)
    assert not (settings.dagster_home / "dagster.yaml").exists()


def test_postgres_instance_stores_runs_in_postgres(tmp_path, monkeypatch, postgres_url):
    settings = _settings(tmp_path, monkeypatch, postgres_url=postgres_url)
    instance.init_instance(settings)
    run_id = str(uuid.uuid4())
    with DagsterInstance.from_config(str(settings.dagster_home)) as dagster_instance:
        assert type(dagster_instance.run_storage).__name__ == "PostgresRunStorage"
        dagster_instance.add_run(DagsterRun(job_name="refresh", run_id=run_id, status=DagsterRunStatus.SUCCESS))
    with DagsterInstance.from_config(str(settings.dagster_home)) as reopened:
        assert reopened.get_run_by_id(run_id).status == DagsterRunStatus.SUCCESS
        reopened.delete_run(run_id)


def test_prune_deletes_old_finished_runs_and_keeps_running_ones(tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch)
    instance.init_instance(settings)
    with DagsterInstance.from_config(str(settings.dagster_home)) as dagster_instance:
        runs = {
            status: dagster_instance.add_run(DagsterRun(job_name="refresh", run_id=str(uuid.uuid4()), status=status))
            for status in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.STARTED)
        }
        now = datetime.now(timezone.utc)
        assert instance.prune_run_history(dagster_instance, older_than_days=30, now=now) == []
        pruned = instance.prune_run_history(dagster_instance, older_than_days=30, now=now + timedelta(days=31))
        assert sorted(pruned) == sorted(runs[s].run_id for s in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE))
        left = [r.run_id for r in dagster_instance.get_runs()]
        assert left == [runs[DagsterRunStatus.STARTED].run_id]
