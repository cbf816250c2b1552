"""The code location loads, and its graph runs unbroken from release files to the published warehouse."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.defs import defs
from orchestration.defs.partitions import MONTHLY, RANGE_END_TAG, RANGE_START_TAG
from orchestration.defs.sensors import run_requests
from orchestration.release_watch import Change
from orchestration.sources.release import ReleaseRef


def _parents(key: str) -> set[str]:
    node = defs.resolve_asset_graph().get(dg.AssetKey.from_user_string(key))
    return {k.to_user_string() for k in node.parent_keys}


def test_definitions_load_with_jobs_schedules_and_sensors():
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("refresh")
    assert {s.name for s in defs.sensors} == {"trac_releases", "cbp_releases", "ohss_releases", "eousa_releases", "run_failure_alerts"}
    assert [s.name for s in defs.schedules] == ["monthly_refresh"]


def test_lineage_from_release_to_metric():
    assert _parents("raw/trac_table1") == {"release/trac_bulletin"}
    assert _parents("raw/cbp_nationwide_state") == {"release/cbp_nationwide_state"}
    assert "raw/trac_table1" in _parents("staging/stg_trac__table1")
    assert "meta/releases" in _parents("staging/stg_meta__releases")
    assert "intermediate/int_displacement__base" in _parents("marts/fct_displacement_district_month")
    assert "marts/fct_displacement_district_month" in _parents("published_warehouse")


def test_month_grained_assets_are_monthly_partitioned_and_the_rest_not():
    graph = defs.resolve_asset_graph()
    partitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).partitions_def}
    assert {"release/trac_bulletin", "raw/trac_table1", "marts/fct_displacement_district_month"} <= partitioned
    assert not partitioned & {"release/cbp_sbo", "staging/stg_trac__table1", "marts/dim_month", "published_warehouse"}
    assert MONTHLY.get_first_partition_key() == "2016-10-01"
    assert MONTHLY.get_last_partition_key() < date.today().replace(day=1).isoformat()  # the month must be over


def test_ingestion_and_dbt_checks_are_there_and_error_severity_blocks():
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert ("raw/cbp_sbo", "schema_unchanged") in checks
    assert ("raw/trac_table1", "row_count_vs_previous_release") in checks
    assert ("release/ohss_usbp", "months_covered") in checks
    dbt_checks = [k for k in graph.asset_check_keys if k.asset_key.path[0] == "marts"]
    assert dbt_checks
    blocking = [
        spec for ad in graph.assets_defs for spec in ad.check_specs if spec.asset_key.path[0] == "marts"
    ]
    assert any(spec.blocking for spec in blocking)


def _change(family, key, kind, month=None):
    params = {"month": month} if month else {}
    return Change(ReleaseRef(family, f"https://x/{key}", key, params), kind, kind * 8)


def test_run_requests_one_per_trac_month_one_full_range_for_rolling_files():
    requests = run_requests([
        _change("trac-bulletin", "immigration/2019-08/US", "new", "2019-08"),
        _change("trac-bulletin", "overall/2019-08/US", "new", "2019-08"),
        _change("trac-bulletin", "immigration/2019-07/AZ", "restated", "2019-07"),
        _change("cbp-sbo", "sbo.csv", "restated"),
        _change("cbp-nationwide-state", "state.csv", "new"),
    ])
    by_partition = {r.partition_key: r for r in requests}
    assert set(by_partition) == {"2019-07-01", "2019-08-01", None}
    assert by_partition["2019-07-01"].run_config == {"ops": {"trac_bulletin": {"config": {"refetch": True}}}}
    assert by_partition["2019-08-01"].run_config == {"ops": {}}
    rolling = by_partition[None]
    assert rolling.tags[RANGE_START_TAG] == "2016-10-01"
    assert rolling.tags[RANGE_END_TAG] == MONTHLY.get_last_partition_key()
    assert rolling.tags["crowdout/releases"] == "new,restated"


def test_dg_loads_the_same_code_location(tmp_path):
    """`dg` finds the location from pyproject.toml, without an activated venv (dbt found beside Python)."""
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [str(Path(sys.executable).with_name("dg")), "list", "defs"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=240,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for key in ("release/trac_bulletin", "raw/trac_table1", "marts/fct_displacement_district_month", "refresh"):
        assert key in out.stdout
