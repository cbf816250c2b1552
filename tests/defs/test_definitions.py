"""The code location loads without running dbt, and its one unpartitioned graph runs unbroken from release
families to the published warehouse, driven by declarative automation."""

import functools
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.connectors.catalog import FAMILIES
from orchestration.dbt_manifest import dbt_project
from orchestration.defs import defs as code_location


@functools.cache
def _defs() -> dg.Definitions:
    """The code location as a loader builds it (once for this module)."""
    return code_location()


def _parents(key: str) -> set[str]:
    node = _defs().resolve_asset_graph().get(dg.AssetKey.from_user_string(key))
    return {k.to_user_string() for k in node.parent_keys}


def test_definitions_load_with_the_automation_and_failure_sensors_and_no_job_or_schedule():
    dg.Definitions.validate_loadable(_defs())
    assert {s.name for s in _defs().sensors} == {"crowdout_automation", "run_failure_alerts"}
    assert not _defs().schedules and not _defs().jobs


def test_both_sensors_run_at_the_interval_releases_toml_sets(tmp_path, monkeypatch):
    from orchestration.config import RELEASES_TOML, load_settings
    from orchestration.defs import build_definitions

    toml = tmp_path / "releases.toml"
    toml.write_text(RELEASES_TOML.read_text().replace("sensor_interval_seconds = 30", "sensor_interval_seconds = 45"))
    monkeypatch.setenv("CROWDOUT_RELEASES_TOML", str(toml))
    sensors = build_definitions(load_settings()).sensors
    assert {s.name: s.minimum_interval_seconds for s in sensors} == {"crowdout_automation": 45,
                                                                     "run_failure_alerts": 45}


def test_release_families_are_observable_sources_and_nothing_is_partitioned():
    graph = _defs().resolve_asset_graph()
    sources = {k.to_user_string() for k in graph.observable_asset_keys}
    assert sources == {f"release/{name.replace('-', '_')}" for name in FAMILIES}
    assert not [k for k in graph.get_all_asset_keys() if graph.get(k).partitions_def]


def test_every_materializable_asset_has_an_automation_condition():
    graph = _defs().resolve_asset_graph()
    missing = [k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).automation_condition is None]
    assert not missing


def test_lineage_from_release_to_metric():
    assert _parents("raw/trac_table1") == {"release/trac_bulletin"}
    assert _parents("raw/cbp_nationwide_state") == {"release/cbp_nationwide_state"}
    assert "raw/trac_table1" in _parents("staging/stg_trac__table1")
    assert {"raw/cbp_sbo", "raw/trac_table1"} <= _parents("staging/stg_meta__releases")  # meta.releases' writers
    assert "intermediate/int_displacement__base" in _parents("marts/fct_displacement_district_month")
    assert "marts/fct_displacement_district_month" in _parents("published_warehouse")


def test_one_dbt_step_builds_every_model():
    graph = _defs().resolve_asset_graph()
    dbt_nodes = {graph.get(k).assets_def.node_def.name for k in graph.materializable_asset_keys
                 if k.path[0] in ("staging", "intermediate", "marts", "seeds")}
    assert dbt_nodes == {"dbt_models"}


def test_ingestion_and_dbt_checks_are_there_and_error_severity_blocks():
    graph = _defs().resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert ("raw/cbp_sbo", "schema_unchanged") in checks
    assert ("raw/trac_table1", "row_count_vs_previous_release") in checks
    assert ("raw/ohss_usbp_monthly_sector", "months_covered") in checks
    blocking = [spec for ad in graph.assets_defs for spec in ad.check_specs if spec.asset_key.path[0] == "marts"]
    assert any(spec.blocking for spec in blocking)


def test_importing_the_definitions_runs_no_dbt(tmp_path):
    """A fresh interpreter imports the definitions with every dbt process refused: any dbt run at import
    would fail. The manifest is prepared beforehand (tests' conftest, CI, dagster dev)."""
    code = (
        "import subprocess\n"
        "real = subprocess.Popen\n"
        "class NoDbt(real):\n"
        "    def __init__(self, args, *a, **k):\n"
        "        assert 'dbt' not in str(args), f'dbt run at import: {args}'\n"
        "        super().__init__(args, *a, **k)\n"
        "subprocess.Popen = NoDbt\n"
        "import orchestration.defs\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert Path(dbt_project.manifest_path).exists()


def test_dg_loads_the_same_code_location(tmp_path):
    """`dg` finds the location from pyproject.toml. It counts as development, so it prepares the dbt
    manifest itself (prepare_if_dev), with the dbt of the activated venv."""
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    out = subprocess.run(
        [str(Path(sys.executable).with_name("dg")), "list", "defs"],
        cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=240,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for key in ("release/trac_bulletin", "raw/trac_table1", "marts/fct_displacement_district_month",
                "crowdout_automation"):
        assert key in out.stdout
