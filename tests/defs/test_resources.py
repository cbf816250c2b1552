"""The warehouse resource holds the writer lock for a whole run (issue 20, the lock gap): a `crowdout
ingest` by hand can no longer land between a run's dbt build and its publish."""

from __future__ import annotations

import threading

import dagster as dg
import pytest

from orchestration.defs.resources import WarehouseResource
from orchestration.warehouse.lock import WarehouseBusy, writer_lock


def _someone_else_can_write(build) -> bool:
    """Whether another writer (here a thread, which waits as another process would) gets the lock now."""
    got = []

    def attempt():
        try:
            with writer_lock(build, timeout_s=0, on_wait=lambda _: None):
                got.append(True)
        except WarehouseBusy:
            got.append(False)

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return got[0]


def test_the_lock_is_held_from_the_first_step_to_the_last(settings):
    build = settings.build_warehouse
    seen = {}

    @dg.asset
    def first(warehouse: WarehouseResource) -> None:
        with warehouse.locked():  # a step's own block, as the dbt step takes it
            pass
        seen["after_first_block"] = _someone_else_can_write(build)

    @dg.asset(deps=[first])
    def second(warehouse: WarehouseResource) -> None:  # takes no lock of its own
        seen["in_second"] = _someone_else_can_write(build)

    result = dg.materialize([first, second], resources={"warehouse": WarehouseResource()})
    assert result.success
    assert seen == {"after_first_block": False, "in_second": False}
    assert _someone_else_can_write(build)  # released when the run ends


def test_a_writer_outside_the_run_waits_and_then_fails_naming_the_holder(settings):
    build = settings.build_warehouse

    @dg.asset
    def only(warehouse: WarehouseResource) -> None:
        with pytest.raises(WarehouseBusy, match="another crowdout process is writing"):
            raised = []

            def attempt():
                try:
                    with writer_lock(build, timeout_s=0.2, on_wait=lambda _: None):
                        pass
                except WarehouseBusy as exc:
                    raised.append(exc)

            thread = threading.Thread(target=attempt)
            thread.start()
            thread.join()
            raise raised[0]

    assert dg.materialize([only], resources={"warehouse": WarehouseResource()}).success


def test_dbt_runs_on_the_projects_own_profile_with_the_build_path_from_the_environment(settings, monkeypatch):
    """Issue 20, part 8: no profile rewritten per run (it cost dbt's partial parse); the shipped profile
    reads CROWDOUT_DBT_DATABASE, set only while dbt starts."""
    import os

    import yaml

    from orchestration.config import DBT_PROJECT_DIR

    monkeypatch.delenv("CROWDOUT_DBT_DATABASE", raising=False)
    warehouse = WarehouseResource()
    assert warehouse.dbt().profiles_dir == str(DBT_PROJECT_DIR)
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    assert "env_var('CROWDOUT_DBT_DATABASE'" in profile["crowdout"]["outputs"]["build"]["path"]
    with warehouse.dbt_database() as build:
        assert os.environ["CROWDOUT_DBT_DATABASE"] == str(build) == str(settings.build_warehouse)
    assert "CROWDOUT_DBT_DATABASE" not in os.environ
    assert not (settings.data_dir / "dbt-profile").exists()
