"""One partition end to end through Dagster, a CLI refresh under a concurrent reader, and a blocking check.

The three share one warehouse built once (about a minute): the CBP/OHSS files, June 2018's TRAC pages,
dbt, and the publish. March 2018's pages are loaded first, since the dbt test that reproduces the
published 2018 figures compares June with March.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.config import load_settings
from orchestration.defs import defs
from orchestration.defs.assets_publish import ASSETS
from orchestration.defs.checks import FAMILY_CHECKS
from orchestration.defs.resources import RESOURCES
from orchestration.status import gather
from orchestration.summary import read_summary

pytestmark = pytest.mark.slow

MART = "marts.fct_displacement_district_month"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CROWDOUT_WAREHOUSE", str(tmp / "crowdout.duckdb"))
        mp.setenv("CROWDOUT_LANDING", str(tmp / "landing"))
        mp.setenv("CROWDOUT_DBT_DATABASE", str(tmp / "crowdout.build.duckdb"))
        mp.delenv("DAGSTER_HOME", raising=False)
        instance = dg.DagsterInstance.ephemeral()
        trac = next(a for a in ASSETS if isinstance(a, dg.AssetsDefinition) and a.node_def.name == "trac_bulletin")
        assert dg.materialize([trac], partition_key="2018-03-01", resources=RESOURCES, instance=instance).success
        started = time.monotonic()
        result = dg.materialize(
            [*ASSETS, *FAMILY_CHECKS], partition_key="2018-06-01", resources=RESOURCES,
            instance=instance, raise_on_error=False,
        )
        yield load_settings(), result, time.monotonic() - started


def _materializations(result, key: str):
    return [m for m in result.get_asset_materialization_events() if m.asset_key.to_user_string() == key]


def test_one_partition_materializes_from_release_to_published_warehouse(built):
    settings, result, seconds = built
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    print(f"one partition end to end: {seconds:.0f}s")
    (trac,) = _materializations(result, "release/trac_bulletin")
    assert trac.partition == "2018-06-01"
    assert trac.materialization.metadata["releases_loaded"].value == 4  # 4 series, national pages only
    (sbo,) = _materializations(result, "release/cbp_sbo")
    assert len(sbo.materialization.metadata["sha256"].value) == 64
    assert sbo.materialization.metadata["source_url"].value.startswith("file://")
    (raw,) = _materializations(result, "raw/trac_table1")
    assert raw.materialization.metadata["rows_loaded_this_run"].value == 4
    assert raw.materialization.metadata["dagster/row_count"].value == 8  # March and June, four national pages each
    assert raw.materialization.metadata["preview"].value.records
    (fact,) = _materializations(result, "marts/fct_displacement_district_month")
    assert fact.partition == "2018-06-01" and fact.materialization.metadata["dagster/row_count"].value > 0
    assert _materializations(result, "published_warehouse")
    failed_checks = [c for c in result.get_asset_check_evaluations() if not c.passed]
    assert not [c for c in failed_checks if c.severity == dg.AssetCheckSeverity.ERROR]

    summary = read_summary(settings.warehouse)
    assert summary.figures["non_immigration_prosecutions"][summary.months[1]] is not None
    assert summary.releases_loaded >= 13  # 2 months x 4 TRAC pages, the published figures, 3 CBP files, 1 OHSS
    # the sample's TRAC pages are modelled, its OHSS workbook is DHS's real release
    assert summary.modelled["non_immigration_share"] is True and summary.modelled["bp_apprehensions"] is False
    status = gather(settings)
    assert {f.family for f in status.families} >= {"trac-bulletin", "cbp-sbo", "ohss-usbp"}
    assert status.freshness == "PASS"


def test_cli_refresh_publishes_while_a_reader_keeps_reading(built):
    settings, result, _ = built
    assert result.success
    before = settings.warehouse.stat().st_mtime_ns
    held = duckdb.connect(str(settings.warehouse), read_only=True)  # open for the whole refresh
    crowdout = Path(sys.executable).with_name("crowdout")
    proc = subprocess.Popen([str(crowdout), "refresh", "--from", "2018-07", "--to", "2018-07"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy())
    reads = 0
    try:
        while proc.poll() is None:
            con = duckdb.connect(str(settings.warehouse), read_only=True)
            try:
                assert con.execute(f"SELECT count(*) FROM {MART}").fetchone()[0] > 0
            finally:
                con.close()
            assert held.execute(f"SELECT count(*) FROM {MART}").fetchone()[0] > 0
            reads += 1
            time.sleep(0.05)
        output = proc.stdout.read()
    finally:
        held.close()
        proc.kill()
    assert proc.returncode == 0, output
    assert reads > 10
    assert settings.warehouse.stat().st_mtime_ns > before  # published under the readers' feet
    assert "SW_BORDER" in output and "Non-immigration prosecutions" in output
    last = gather(settings).last_run
    assert last["status"] == "SUCCESS" and last["months"] == ["2018-07", "2018-07"]


def test_failing_blocking_check_stops_dbt_and_the_publish(built):
    settings, result, _ = built
    assert result.success
    published = settings.warehouse.stat().st_mtime_ns
    con = duckdb.connect(str(settings.build_warehouse))
    con.execute("ALTER TABLE raw.cbp_sbo ADD COLUMN surprise VARCHAR")  # a connector's table drifted
    con.close()
    try:
        run = defs.resolve_job_def("refresh").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), partition_key="2018-06-01", raise_on_error=False,
        )
    finally:
        con = duckdb.connect(str(settings.build_warehouse))
        con.execute("ALTER TABLE raw.cbp_sbo DROP COLUMN surprise")
        con.close()
    assert not run.success
    failed = [(c.asset_key.to_user_string(), c.check_name) for c in run.get_asset_check_evaluations() if not c.passed]
    assert ("raw/cbp_sbo", "schema_unchanged") in failed
    ran = {e.step_key for e in run.all_events if e.event_type_value == "STEP_START"}
    assert "dbt_models" not in ran and "published_warehouse" not in ran
    assert settings.warehouse.stat().st_mtime_ns == published
