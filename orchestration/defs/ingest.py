"""Per release family: an observable source (the releases as published, versioned by their bytes) and
one ingest step that loads them into the family's raw tables.

The source's data version changes exactly when a release appears or changes (`orchestration.warehouse.observe`),
which is what makes the ingest step due (defs/automation.py). The step runs the plain pipeline
(`ingest.ingest_family`) once and the family's checks on the same connection; the graph shows each raw
table downstream of its releases, the lineage an engineer follows back from a metric to a file.
"""


import duckdb
from dagster import (
    AssetSpec,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    ObserveResult,
    TableColumn,
    TableSchema,
    multi_asset,
    observable_source_asset,
)

from orchestration import run_outcome as outcome
from orchestration.asset_keys import ingest_step, release_source
from orchestration.config import Releases
from orchestration.connectors.catalog import FAMILIES
from orchestration.connectors.release import Family, ReleaseError
from orchestration.defs import checks
from orchestration.defs.automation import MONTHLY_FRESHNESS, ingest_condition, observe_condition
from orchestration.defs.metadata import relation_metadata, results_table
from orchestration.defs.resources import WarehouseResource
from orchestration.warehouse import ingest


def _table_schema(family: Family, table: str) -> TableSchema:
    columns = [TableColumn("release_id", "VARCHAR", description="release the row came from")]
    columns += [TableColumn(c.name, c.type, description=c.description) for c in family.raw_tables[table]]
    return TableSchema(columns=columns)


def build_release_source(family: Family, releases: Releases):
    kind = "one page per month" if family.addressed_by_month else "a rolling file"
    restated = "restated by later releases" if family.restated else "never restated"

    @observable_source_asset(
        key=release_source(family.name),
        group_name="releases",
        description=f"{family.name} releases as the publisher offers them ({kind}, {restated}); "
        "data version: the digest of every release's ETag, Last-Modified or sha256.",
        automation_condition=observe_condition(releases.automation),
    )
    def _observe(warehouse: WarehouseResource) -> ObserveResult:
        found = warehouse.observe(family.name)
        return ObserveResult(data_version=DataVersion(found.data_version), metadata=found.metadata())

    return _observe


def build_family_ingest(family: Family, releases: Releases):
    """`releases` (the code location's releases.toml) gives the automation's cron and the check labels;
    the step itself runs on its run's settings (`warehouse.settings()`)."""
    specs = [
        AssetSpec(
            checks.raw_key(table), deps=[release_source(family.name)], group_name="raw", kinds={"duckdb"},
            description=f"raw.{table}: rows of the {family.name} releases, one release_id per file.",
            metadata={"dagster/column_schema": _table_schema(family, table)},
            automation_condition=ingest_condition(releases.automation), freshness_policy=MONTHLY_FRESHNESS,
        )
        for table in family.raw_tables
    ]

    @multi_asset(name=ingest_step(family.name), specs=specs, check_specs=checks.check_specs(family, releases.checks))
    def _ingest(warehouse: WarehouseResource):
        """Load what the publisher offers that is not loaded yet. A release that fails (download or
        parse) fails the step, keeping the others loaded and its landed file; HTTP retries are the
        session's alone, so the step itself is never retried."""
        settings = warehouse.settings()
        with warehouse.writing() as con:
            try:  # one event per step, not one log event per release: each release is in the metadata below
                results = ingest.ingest_family(settings, family.name, con=con)
            except ReleaseError as exc:  # the discovery page, or the publisher itself, could not be reached
                raise Failure(description=str(exc)) from exc
            news = {outcome.RELEASES: MetadataValue.json(_news(results))}
            failed = [r for r in results if r.status == "failed"]
            if failed:
                message = "\n".join(f"- {r.error}" for r in failed)
                raise Failure(
                    description=f"{len(failed)} {family.name} release(s) failed to load; landed files are "
                    f"kept, the other releases are loaded:\n{message}",
                    metadata={"failed": MetadataValue.md(message), **news},
                )
            for i, table in enumerate(family.raw_tables):  # the run's news once, on the first table
                yield MaterializeResult(asset_key=checks.raw_key(table),
                                        metadata={**_table_metadata(con, table, results), **(news if i == 0 else {})})
            yield from checks.check_results(con, family, settings.releases.checks)

    return _ingest


def _news(results: list[ingest.IngestResult]) -> list[dict]:
    """What this step loaded or failed to load, for the run's "new this run" (run_outcome.py)."""
    return [{"family": r.ref.family, "file": r.ref.key, "status": r.status, "release_id": r.release_id,
             "error": r.error or ""} for r in results if r.status in ("loaded", "failed")]


def _table_metadata(con: duckdb.DuckDBPyConnection, table: str, results: list[ingest.IngestResult]) -> dict:
    loaded = [r for r in results if r.status == "loaded"]
    return {
        **relation_metadata(con, f"raw.{table}"),
        "rows_loaded_this_run": sum(r.table_rows.get(table, 0) for r in results),
        "release_ids": MetadataValue.text(", ".join(r.release_id for r in loaded) or "none new"),
        "releases": results_table(results),
    }


def family_assets(releases: Releases) -> list:
    """Every family's release source and ingest step."""
    return [*(build_release_source(f, releases) for f in FAMILIES.values()),
            *(build_family_ingest(f, releases) for f in FAMILIES.values())]
