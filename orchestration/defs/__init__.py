"""crowdout's one Dagster code location (workspace.yaml, `dg`, `dagster dev -m orchestration.defs`).

Runs use the in-process executor: every step writes one DuckDB file, so steps could not run in parallel
anyway, and each extra process would re-import dbt and Dagster for seconds.
"""

from dagster import Definitions, in_process_executor

from orchestration.defs.assets_publish import ASSETS
from orchestration.defs.checks import FAMILY_CHECKS
from orchestration.defs.jobs import REFRESH_JOB
from orchestration.defs.resources import RESOURCES
from orchestration.defs.schedules import monthly_refresh
from orchestration.defs.sensors import RELEASE_SENSORS, run_failure_alerts

defs = Definitions(
    assets=ASSETS,
    asset_checks=FAMILY_CHECKS,
    jobs=[REFRESH_JOB],
    schedules=[monthly_refresh],
    sensors=[*RELEASE_SENSORS, run_failure_alerts],
    resources=RESOURCES,
    executor=in_process_executor,
)
