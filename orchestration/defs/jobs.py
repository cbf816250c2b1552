"""The one job: every release family, every dbt model and test, then the publish."""

from dagster import AssetSelection, define_asset_job

REFRESH_JOB = define_asset_job(
    "refresh",
    selection=AssetSelection.all(),
    description="Fetch new releases, load raw tables, build and test the dbt models, publish the warehouse. "
    "Launch it over a partition range to (re)build those months; CBP/OHSS files always load whole.",
)
