"""crowdout's one Dagster code location (workspace.yaml, `dg`, `dagster dev -m orchestration.defs`).

One unpartitioned graph, grouped by domain: release families observed as sources and loaded by one
ingest step each (defs/ingest.py), one `dbt build` (defs/dbt.py), the publish (defs/publish.py); what
runs when is declarative automation (defs/automation.py). Importing this module runs nothing and reads no
settings: dbt's manifest is prepared beforehand (orchestration/dbt_manifest.py), and `defs` is Dagster's
lazily built definitions (`@definitions`), built when a loader (workspace.yaml, `dg`) calls it, with the
settings read once then (the automation's crons and sensor interval, and the check labels, come from
releases.toml). Code that already holds its settings (`crowdout refresh`, `crowdout status`) calls
`build_definitions(settings)`.

Runs use the in-process executor: every step writes one DuckDB file, so steps could not run in parallel
anyway, and each extra process would re-import dbt and Dagster for seconds.
"""

from dagster import Definitions, definitions, in_process_executor

from orchestration.config import Settings, load_settings
from orchestration.defs.automation import sensors
from orchestration.defs.dbt import dbt_models
from orchestration.defs.ingest import family_assets
from orchestration.defs.publish import published_warehouse
from orchestration.defs.resources import RESOURCES


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=[*family_assets(settings.releases), dbt_models, published_warehouse],
        sensors=sensors(settings.releases.automation),
        resources=RESOURCES,
        executor=in_process_executor,
    )


@definitions
def defs() -> Definitions:
    """The code location as Dagster's loaders see it: its settings read once, as it loads."""
    return build_definitions(load_settings())
