"""The dbt project as assets: one `dbt build` of every seed, model and data test (`BUILD_ARGS`: unit tests
check the SQL and run in the test suite), on the build warehouse.

Raw sources map onto the raw assets the ingest steps materialize, so the graph runs release -> raw ->
models -> publish. `meta.releases`, which every ingest step writes beside its raw rows, is not an asset of
its own: the models that read it depend on every raw table instead, which is when it changes.
"""


from typing import Any, Iterator, Mapping

from dagster import AssetDep, AssetExecutionContext, AssetKey, AssetSpec, Output
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets

from orchestration.connectors.catalog import FAMILIES
from orchestration.dbt_manifest import BUILD_ARGS, dbt_project
from orchestration.defs.automation import BUILD, MONTHLY_FRESHNESS
from orchestration.defs.checks import raw_key
from orchestration.defs.resources import WarehouseResource

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
    DuckDB lets no other process read the warehouse while dbt holds it, so each model's row count comes
    from dbt itself (the `report_row_count` post-hook logs it). A failing error-severity test makes dbt
    skip what depends on it and the step fail, so the publish downstream does not run.
    """
    dbt = warehouse.dbt()
    warehouse.parsed()
    with warehouse.locked():
        with warehouse.dbt_database():
            invocation = dbt.cli(BUILD_ARGS, context=context, raise_on_error=False,
                                 target_path=warehouse.dbt_target_path())
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
                yield event
    error = invocation.get_error()
    if error:
        raise error


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
