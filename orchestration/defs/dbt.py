"""The dbt project as assets: one `dbt build` of every seed, model and data test (`BUILD_ARGS`: unit tests
check the SQL and run in the test suite), on the build warehouse.

Raw sources map onto the raw assets the ingest steps materialize, so the graph runs release -> raw ->
models -> publish. `meta.releases`, which every ingest step writes beside its raw rows, is not an asset of
its own: the models that read it depend on every raw table instead, which is when it changes.
"""


from pathlib import Path
from typing import Any, Iterator, Mapping

from dagster import AssetCheckResult, AssetDep, AssetExecutionContext, AssetKey, AssetSpec, MetadataValue, Output
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets

from orchestration.connectors.catalog import FAMILIES
from orchestration.dbt_manifest import BUILD_ARGS, dbt_project
from orchestration.defs.automation import BUILD, MONTHLY_FRESHNESS
from orchestration.defs.checks import raw_key
from orchestration.defs.resources import WarehouseResource
from orchestration.run_outcome import WAY_OUT
from orchestration.safe_text import without_ansi

META_RELEASES = AssetKey(["meta", "releases"])
DBT_STEP = "dbt_models"
RAW_KEYS = [raw_key(table) for family in FAMILIES.values() for table in family.raw_tables]


class CrowdoutTranslator(DagsterDbtTranslator):
    """Models keep dagster-dbt's [schema, name] keys; groups follow the schema; marts carry freshness;
    every model is built eagerly after its inputs change."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if any(dep.asset_key == META_RELEASES for dep in spec.deps):
            deps = [dep for dep in spec.deps if dep.asset_key != META_RELEASES]
            spec = spec.replace_attributes(deps=[*deps, *(AssetDep(k) for k in RAW_KEYS)])
        if spec.key.path[0] == "marts":
            spec = spec.replace_attributes(freshness_policy=MONTHLY_FRESHNESS)
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return dbt_resource_props["config"].get("schema") or "dbt"

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]):
        return BUILD


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=CrowdoutTranslator(),
            name=DBT_STEP)
def dbt_models(context: AssetExecutionContext, warehouse: WarehouseResource) -> Iterator:
    """`dbt build` under the writer lock, each model's and test's event passed on as dbt reports it.

    Dagster stores each event as it comes (a run writes hundreds: every dbt test is an asset check), so
    storing them while dbt goes on building the next nodes keeps that cost off the step's wall clock.
    DuckDB lets no other process read the warehouse while dbt holds it, so each table's row count comes
    from dbt itself (the `report_row_count` post-hook logs it). A failing error-severity test makes dbt
    skip what depends on it and the step fail, so the publish downstream does not run; the test's check
    and the step's reason both say how to see its failing rows.
    """
    dbt = warehouse.dbt()
    target = warehouse.dbt_target_path()
    warehouse.parsed()
    with warehouse.locked():
        with warehouse.dbt_database():
            invocation = dbt.cli(BUILD_ARGS, context=context, raise_on_error=False, target_path=target)
        rows: dict[str, int] = {}
        for message in invocation.stream_raw_events():
            counted = row_count(message.raw_event)
            if counted:
                rows[counted[0]] = counted[1]
                continue
            for event in message.to_default_asset_events(
                    manifest=invocation.manifest, dagster_dbt_translator=invocation.dagster_dbt_translator,
                    context=context, target_path=invocation.target_path, project=invocation.project):
                if isinstance(event, Output) and _unique_id(event) in rows:
                    event = event.with_metadata({**event.metadata, "dagster/row_count": rows[_unique_id(event)]})
                elif isinstance(event, AssetCheckResult) and not event.passed:
                    node = invocation.manifest["nodes"].get(event.metadata["unique_id"].value, {})
                    event = event._replace(metadata={**event.metadata,
                                                     WAY_OUT: MetadataValue.text(_way_out(target, node))})
                yield event
    if not invocation.is_successful():
        raise DbtBuildFailed(build_failure(_run_results(invocation), invocation.manifest, target,
                                           invocation.process.returncode))



ROW_COUNT_LOG = "crowdout row count: "  # what dbt_project/macros/report_row_count.sql logs


def _unique_id(output: Output) -> str | None:
    """The dbt node an Output is for (dagster-dbt puts its unique_id in the metadata)."""
    value = output.metadata.get("unique_id")
    return getattr(value, "value", value)


def row_count(raw_event: Mapping[str, Any]) -> tuple[str, int] | None:
    """(unique_id, rows) from the line the `report_row_count` post-hook logs; None for any other event."""
    info = raw_event.get("info", {})
    if info.get("name") != "JinjaLogInfo" or not info.get("msg", "").startswith(ROW_COUNT_LOG):
        return None
    unique_id, rows = info["msg"][len(ROW_COUNT_LOG):].rsplit(" ", 1)
    return unique_id, int(rows)


class DbtBuildFailed(Exception):
    """`dbt build` failed; the message says what failed and how to see why, in place of dagster-dbt's
    "The dbt CLI process with command ... failed" and its colour-coded excerpt of dbt's log."""


def _run_results(invocation) -> dict:
    try:
        return invocation.get_artifact("run_results.json")
    except OSError:  # dbt stopped before writing it (a parse error, a crash)
        return {}


def build_failure(run_results: dict, manifest: Mapping[str, Any], target: Path, returncode: int | None) -> str:
    """What failed in a dbt build (run_results.json), one line each: a failed test with the model it tests,
    its failing-row count and how to list those rows; a seed, model or test that errored, with dbt's
    message."""
    nodes = manifest.get("nodes", {})
    failed, errored = [], []
    for result in run_results.get("results", []):
        node = nodes.get(result["unique_id"], {})
        name = node.get("name", result["unique_id"])
        if result["status"] == "fail":
            on = ", ".join(dep.rsplit(".", 1)[-1] for dep in node.get("depends_on", {}).get("nodes", []))
            failed.append(f"test {name} on {on or 'its model'} failed ({result.get('failures')} failing "
                          f"row(s)): {_way_out(target, node)}")
        elif result["status"] == "error":
            message = without_ansi(result.get("message") or "no message").strip()
            errored.append(f"{node.get('resource_type', 'node')} {name} errored: {message}")
    if not failed and not errored:  # dbt failed before running anything: its log says why
        return (f"dbt build failed (exit code {returncode}) before running any model or test; "
                f"dbt's own log: {target / 'dbt.log'}")
    counts = ", ".join(part for part in (f"{len(failed)} test(s) failed" if failed else "",
                                         f"{len(errored)} errored" if errored else "") if part)
    return "\n".join([f"dbt build stopped ({counts}); what depends on them was skipped and nothing was published.",
                      *failed, *errored])


def _way_out(target: Path, node: Mapping[str, Any]) -> str:
    """How to see a failed test's failing rows and what to do then. The rows are in the build warehouse the
    test failed on (never published): `crowdout query --build` runs dbt's compiled SQL of the test there."""
    sql = _compiled_sql(target, node)
    see = (f'see them with `crowdout query --build "$(cat {sql})"`' if sql
           else f"see the test's SQL with `dbt compile --select {node.get('name', 'the test')}` in dbt_project")
    return f"{see}; fix the data (withdraw or correct the release) or the model, then `crowdout refresh`"


def _compiled_sql(target: Path, node: Mapping[str, Any]) -> Path | None:
    """dbt's compiled SQL of a test under its target folder (compiled/<package>/<file>[/<test>.sql]), if written."""
    if not node.get("original_file_path"):
        return None
    path = target / "compiled" / node["package_name"] / node["original_file_path"]
    if Path(node["path"]).name != path.name:  # a test declared in a .yml file is written in a folder named after it
        path = path / node["path"]
    return path if path.is_file() else None
