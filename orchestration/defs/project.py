"""The dbt project as Dagster sees it, alone in its module so `dagster-dbt project prepare-and-package
--file orchestration/defs/project.py` can import it without loading every definition.

No `prepare_if_dev()`: `orchestration.dbt_manifest.ensure_manifest` (called when the dbt assets load)
parses the project for every entry point, `dagster dev`, `dg`, the CLI and tests alike, with the dbt
installed beside this Python rather than whatever `dbt` is on PATH.
"""

from dagster_dbt import DbtProject

from orchestration.config import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
