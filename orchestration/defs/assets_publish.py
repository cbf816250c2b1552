"""The last step: the finished build warehouse replaces the file analysts read, atomically.

Upstream of it are every dbt model and test, so a failed model or blocking check leaves analysts on the
previous good warehouse rather than a half-built one.
"""

import duckdb
from dagster import AssetKey, AssetSpec, BackfillPolicy, MaterializeResult, MetadataValue, asset

from orchestration.defs.assets_dbt import dbt_models, dbt_monthly_facts
from orchestration.defs.assets_raw import FAMILY_ASSETS, WRITER_POOL, release_key
from orchestration.defs.metadata import preview
from orchestration.defs.partitions import MONTHLY_FRESHNESS
from orchestration.defs.resources import CrowdoutResource
from orchestration.sources.catalog import FAMILIES
from orchestration.warehouse.lock import writer_lock
from orchestration.warehouse.publish import publish

# The registry every family writes; dbt reads it as source meta.releases. Declared so the graph shows it
# between the releases and the models that order releases by it; it is written by the family steps.
META_RELEASES = AssetSpec(
    AssetKey(["meta", "releases"]),
    deps=[release_key(name) for name in FAMILIES],
    group_name="raw",
    kinds={"duckdb"},
    description="meta.releases: one row per landed file, written by each family's load in the same "
    "transaction as its raw rows.",
)


@asset(
    key="published_warehouse",
    deps=[k for k in (*dbt_models.keys, *dbt_monthly_facts.keys) if k.path[0] == "marts"],
    group_name="publish",
    kinds={"duckdb"},
    pool=WRITER_POOL,
    freshness_policy=MONTHLY_FRESHNESS,
    backfill_policy=BackfillPolicy.single_run(),
)
def published_warehouse(crowdout: CrowdoutResource) -> MaterializeResult:
    """The DuckDB file analysts, `crowdout query` and `crowdout status` read (CROWDOUT_WAREHOUSE)."""
    settings = crowdout.settings()
    with writer_lock(settings.build_warehouse):
        path = publish(settings.build_warehouse, settings.warehouse, allow_shrink=crowdout.allow_shrink)
    con = duckdb.connect(str(path), read_only=True)
    try:
        releases = preview(
            con,
            """SELECT family, count(*) FILTER (WHERE status = 'loaded') AS loaded,
                      count(*) FILTER (WHERE status = 'failed') AS failed,
                      strftime(max(list_max(months_covered)), '%Y-%m') AS last_month,
                      bool_or(is_modelled) AS any_modelled
               FROM meta.releases GROUP BY family ORDER BY family""",
        )
        loaded = con.execute("SELECT count(*) FROM meta.releases WHERE status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(path)),
        "bytes": path.stat().st_size,
        "releases_loaded": loaded,
        "releases": releases,
    })


ASSETS = [*FAMILY_ASSETS, META_RELEASES, dbt_models, dbt_monthly_facts, published_warehouse]
