"""The last step: the finished build warehouse replaces the file analysts read, atomically.

Upstream of it are every dbt model and test, so a failed model or blocking check leaves analysts on the
previous good warehouse rather than a half-built one.
"""

import duckdb
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration import run_outcome as outcome
from orchestration.asset_keys import PUBLISHED_WAREHOUSE
from orchestration.defs.automation import MONTHLY_FRESHNESS, PUBLISH
from orchestration.defs.dbt import dbt_models
from orchestration.defs.metadata import preview
from orchestration.defs.resources import WarehouseResource


@asset(
    key=PUBLISHED_WAREHOUSE,
    deps=[k for k in dbt_models.keys if k.path[0] == "marts"],
    group_name="publish",
    kinds={"duckdb"},
    freshness_policy=MONTHLY_FRESHNESS,
    automation_condition=PUBLISH,
)
def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    """The DuckDB file analysts, `crowdout query` and `crowdout status` read (CROWDOUT_WAREHOUSE)."""
    changed = warehouse.changes()  # before the swap: against what analysts read until now
    path = warehouse.publish(context.run.run_id)
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
        outcome.PUBLISHED: MetadataValue.json(changed.published),
        outcome.WITHDRAWN: MetadataValue.json([{"release_id": r, "reason": why} for r, why in changed.withdrawn]),
    })
