"""The dbt project as Dagster sees it, alone in its module so `dagster-dbt project prepare-and-package
--file orchestration/defs/project.py` can import it without loading every definition."""

from dagster_dbt import DbtProject

from orchestration.config import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
