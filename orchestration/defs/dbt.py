"""The dbt project as assets: one `dbt build` of every seed, model and data test (`BUILD_ARGS`: unit tests
check the SQL and run in the test suite), on the build warehouse.

Raw sources map onto the raw assets the ingest steps materialize, so the graph runs release -> raw ->
models -> publish. `meta.releases`, which every ingest step writes beside its raw rows, is not an asset of
its own: the models that read it depend on every raw table instead, which is when it changes.
"""


from typing import Any, Iterator, Mapping

import duckdb
from dagster import AssetDep, AssetExecutionContext, AssetKey, AssetSpec, Output
from dagster_dbt import DagsterDbtTranslator, DbtProject, dbt_assets

from orchestration.connectors.catalog import FAMILIES
from orchestration.dbt_manifest import BUILD_ARGS, dbt_project
from orchestration.defs.automation import BUILD, MONTHLY_FRESHNESS
from orchestration.defs.checks import raw_key
from orchestration.defs.metadata import relation_metadata
from orchestration.defs.resources import WarehouseResource

META_RELEASES = AssetKey(["meta", "releases"])
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
            name="dbt_models")
def dbt_models(context: AssetExecutionContext, warehouse: WarehouseResource) -> Iterator:
    """`dbt build` under the writer lock, then row counts and previews per model.

    Events are gathered first and enriched after dbt exits: DuckDB lets no other connection in while
    dbt holds the file. A failing error-severity test makes dbt skip what depends on it and the step
    fail, so the publish downstream does not run.
    """
    dbt = warehouse.dbt()
    with warehouse.locked() as build:
        with warehouse.dbt_database():
            invocation = dbt.cli(BUILD_ARGS, context=context, raise_on_error=False,
                                 target_path=warehouse.dbt_target_path())
        events = list(invocation.stream())
        con = duckdb.connect(str(build), read_only=True)
        try:
            for event in events:
                if isinstance(event, Output):
                    relation = ".".join(context.asset_key_for_output(event.output_name).path)
                    event = event.with_metadata({**event.metadata, **relation_metadata(con, relation)})
                yield event
        finally:
            con.close()
    error = invocation.get_error()
    if error:
        raise error
