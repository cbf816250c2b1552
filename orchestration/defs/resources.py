"""Resources: crowdout's settings and the dbt CLI, both reading their paths from the environment at run time."""

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource

from orchestration.config import Settings, load_settings
from orchestration.dbt_manifest import dbt_executable
from orchestration.defs.project import dbt_project


class CrowdoutResource(ConfigurableResource):
    """Where this run reads releases from and writes the warehouse.

    Paths come from CROWDOUT_WAREHOUSE / CROWDOUT_LANDING when the run executes, not when the code
    location loads, so tests and `crowdout refresh` point a run at their own files. `live` (run config,
    e.g. `crowdout refresh --live`) reads the publishers' real sites; unset, CROWDOUT_SOURCES decides.
    """

    live: bool | None = None
    # `crowdout refresh --allow-shrink`: publish even if analysts would lose months, rows or releases.
    allow_shrink: bool = False

    def settings(self) -> Settings:
        return load_settings(live=self.live)


RESOURCES = {
    "crowdout": CrowdoutResource(),
    # The dbt beside this Python: a venv used without activation (tests, cron) has no dbt on PATH.
    "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
}
