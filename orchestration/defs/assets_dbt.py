"""The dbt project as assets: raw sources map onto the raw assets, so the graph runs release -> raw -> marts.

Two selections of the same manifest: the month-grained incremental facts are monthly-partitioned and get
the run's months as dbt vars (a backfill range is one dbt invocation); everything else (seeds, staging
and intermediate views, dimensions) is rebuilt whole, since it is cheap and holds no month of its own.
"""

import json
import os
from typing import Any, Iterator, Mapping

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, BackfillPolicy, Config, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.config import Settings, load_settings
from orchestration.dbt_manifest import ensure_manifest
from orchestration.defs.assets_raw import WRITER_POOL
from orchestration.defs.metadata import relation_metadata
from orchestration.defs.partitions import MONTHLY, MONTHLY_FRESHNESS, dbt_month_vars
from orchestration.defs.project import dbt_project
from orchestration.defs.resources import CrowdoutResource
from orchestration.warehouse.lock import writer_lock

MONTHLY_SELECT = "config.materialized:incremental"


class CrowdoutTranslator(DagsterDbtTranslator):
    """Models keep dbt-dagster's [schema, name] keys; groups follow the schema, and marts carry freshness."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if spec.key.path[0] == "marts":
            spec = spec.replace_attributes(freshness_policy=MONTHLY_FRESHNESS)
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return dbt_resource_props["config"].get("schema") or "dbt"


class DbtBuildConfig(Config):
    """`full_refresh`: rebuild incremental models from scratch (`dbt build --full-refresh`), as needed once
    after a mart's columns change: their contracts fail an incremental run on a changed schema."""

    full_refresh: bool = False


TRANSLATOR = CrowdoutTranslator()
MANIFEST = ensure_manifest(load_settings().build_warehouse, dbt_project.project_dir)


def _relation(key: AssetKey) -> str:
    return ".".join(key.path)


def _build(context: AssetExecutionContext, dbt: DbtCliResource, settings: Settings, args: list[str]) -> Iterator:
    """`dbt build` on the build warehouse under the writer lock, then row counts and previews per model.

    Events are gathered first and enriched after dbt exits: DuckDB lets no other connection in while
    dbt holds the file. A failing error-severity test makes dbt skip what depends on it and the step fail,
    so nothing downstream (the publish) runs.
    """
    os.environ["CROWDOUT_DBT_DATABASE"] = str(settings.build_warehouse)  # read by profiles.yml
    with writer_lock(settings.build_warehouse):
        invocation = dbt.cli(["build", *args], context=context, raise_on_error=False)
        events = list(invocation.stream())
        con = duckdb.connect(str(settings.build_warehouse), read_only=True)
        try:
            for event in events:
                if isinstance(event, Output):
                    relation = _relation(context.asset_key_for_output(event.output_name))
                    event = event.with_metadata({**event.metadata, **relation_metadata(con, relation)})
                yield event
        finally:
            con.close()
    error = invocation.get_error()
    if error:
        raise error


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    exclude=MONTHLY_SELECT,
    name="dbt_models",
    backfill_policy=BackfillPolicy.single_run(),
    pool=WRITER_POOL,
)
def dbt_models(context: AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCliResource,
               crowdout: CrowdoutResource):
    yield from _build(context, dbt, crowdout.settings(), ["--full-refresh"] if config.full_refresh else [])


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    select=MONTHLY_SELECT,
    name="dbt_monthly_facts",
    partitions_def=MONTHLY,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WRITER_POOL,
)
def dbt_monthly_facts(context: AssetExecutionContext, config: DbtBuildConfig, dbt: DbtCliResource,
                      crowdout: CrowdoutResource):
    args = ["--vars", json.dumps(dbt_month_vars(context))]
    yield from _build(context, dbt, crowdout.settings(), args + (["--full-refresh"] if config.full_refresh else []))
