"""crowdout's one Dagster code location (workspace.yaml, `dg`, `dagster dev -m orchestration.defs`).

One unpartitioned graph, grouped by domain: release families observed as sources and loaded by one
ingest step each (defs/ingest.py), one `dbt build` (defs/dbt.py), the publish (defs/publish.py); what
runs when is declarative automation (defs/automation.py). Importing this module runs nothing: dbt's
manifest is prepared beforehand (orchestration/dbt_manifest.py).

Runs use the in-process executor: every step writes one DuckDB file, so steps could not run in parallel
anyway, and each extra process would re-import dbt and Dagster for seconds.
"""

from dagster import Definitions, in_process_executor

from orchestration.defs.automation import automation_sensor, run_failure_alerts
from orchestration.defs.dbt import dbt_models
from orchestration.defs.ingest import FAMILY_INGESTS, RELEASE_SOURCES
from orchestration.defs.publish import published_warehouse
from orchestration.defs.resources import RESOURCES

defs = Definitions(
    assets=[*RELEASE_SOURCES, *FAMILY_INGESTS, dbt_models, published_warehouse],
    sensors=[automation_sensor, run_failure_alerts],
    resources=RESOURCES,
    executor=in_process_executor,
)
