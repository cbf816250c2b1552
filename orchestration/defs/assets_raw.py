"""One multi-asset per release family: the family's release files and the raw tables they load.

The step runs the plain pipeline (`ingest.ingest_family`) once; the graph still shows each raw table
downstream of its release, which is the lineage an engineer follows back from a metric to a file.
"""


import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Backoff,
    BackfillPolicy,
    Config,
    Failure,
    Jitter,
    MaterializeResult,
    MetadataValue,
    RetryPolicy,
    TableColumn,
    TableSchema,
    multi_asset,
)

from orchestration import ingest
from orchestration.defs.metadata import relation_metadata, results_table
from orchestration.defs.partitions import MONTHLY, MONTHLY_FAMILIES, MONTHLY_FRESHNESS, partition_months
from orchestration.defs.resources import CrowdoutResource
from orchestration.sources import http
from orchestration.sources.catalog import FAMILIES
from orchestration.sources.release import Family, ParseError
from orchestration.warehouse.lock import writer_lock

# Every asset that opens the build warehouse runs in this pool: with a pool limit of 1 (dagster.yaml)
# runs queue for the DuckDB file instead of failing on DuckDB's lock; the file lock backs it up.
WRITER_POOL = "crowdout_warehouse"

# Downloads that failed after the HTTP session's own retries: try the whole family again later.
# Parse errors raise Failure(allow_retries=False) and are never retried: a human must look.
DOWNLOAD_RETRY = RetryPolicy(max_retries=3, delay=60, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS)


class IngestConfig(Config):
    """`refetch`: ask again for TRAC pages already loaded (a sensor saw one restated); other families
    always ask, conditionally."""

    refetch: bool = False


class DownloadFailed(RuntimeError):
    """A release could not be fetched; retryable, unlike a parse failure."""


def family_slug(family: str) -> str:
    return family.replace("-", "_")


def release_key(family: str) -> AssetKey:
    return AssetKey(["release", family_slug(family)])


def raw_key(table: str) -> AssetKey:
    return AssetKey(["raw", table])


def _table_schema(family: Family, table: str) -> TableSchema:
    columns = [TableColumn("release_id", "VARCHAR", description="release the row came from")]
    columns += [TableColumn(c.name, c.type, description=c.description) for c in family.raw_tables[table]]
    return TableSchema(columns=columns)


def _raise_for_failures(results: list[ingest.IngestResult]) -> None:
    """A release that never landed failed to download (retry); one that landed failed to parse (do not)."""
    failed = [r for r in results if r.status == "failed"]
    if not failed:
        return
    message = "\n".join(f"- {r.error}" for r in failed)
    if any(r.landing_path for r in failed):
        raise Failure(
            description=f"{len(failed)} release(s) failed to load; the landed files are kept:\n{message}",
            metadata={"failed": MetadataValue.md(message)},
            allow_retries=False,
        )
    raise DownloadFailed(f"{len(failed)} release(s) could not be downloaded:\n{message}")


def _months_to_ingest(settings, family: str, context: AssetExecutionContext):
    """The run's months that the family can have yet; later months are not published, so not asked for."""
    if family not in MONTHLY_FAMILIES:
        return None
    offered = ingest.discover(settings, http.make_session(settings.releases["http"]), family)
    available = {ref.params["month"] for ref in offered}
    return [m for m in partition_months(context) if f"{m:%Y-%m}" in available]


def build_family_assets(family: Family):
    rkey = release_key(family.name)
    partitioned = family.name in MONTHLY_FAMILIES
    specs = [
        AssetSpec(
            rkey, group_name="releases", kinds={"python"}, freshness_policy=MONTHLY_FRESHNESS,
            description=f"{family.name} release files as published, landed unchanged (sha256-addressed).",
        ),
        *(
            AssetSpec(
                raw_key(table), deps=[rkey], group_name="raw", kinds={"duckdb"},
                description=f"raw.{table}: rows of the {family.name} releases, one release_id per file.",
                metadata={"dagster/column_schema": _table_schema(family, table)},
            )
            for table in family.raw_tables
        ),
    ]

    @multi_asset(
        name=family_slug(family.name),
        specs=specs,
        partitions_def=MONTHLY if partitioned else None,
        backfill_policy=BackfillPolicy.single_run(),
        retry_policy=DOWNLOAD_RETRY,
        pool=WRITER_POOL,
    )
    def _family(context: AssetExecutionContext, config: IngestConfig, crowdout: CrowdoutResource):
        settings = crowdout.settings()
        with writer_lock(settings.build_warehouse):
            try:
                months = _months_to_ingest(settings, family.name, context)
                results = [] if months == [] else ingest.ingest_family(
                    settings, family.name, months=months, refetch=config.refetch,
                    on_result=lambda r: context.log.debug(f"{r.ref.key}: {r.status}"),
                )
            except ParseError as exc:  # the discovery page itself changed layout
                raise Failure(description=str(exc), allow_retries=False) from exc
            _raise_for_failures(results)
            con = duckdb.connect(str(settings.build_warehouse), read_only=True)
            try:
                yield MaterializeResult(asset_key=rkey, metadata=_release_metadata(results))
                for table in family.raw_tables:
                    yield MaterializeResult(
                        asset_key=raw_key(table), metadata=_table_metadata(con, table, results)
                    )
            finally:
                con.close()

    return _family


def _release_metadata(results: list[ingest.IngestResult]) -> dict:
    loaded = [r for r in results if r.status == "loaded"]
    meta = {
        "releases_checked": len(results),
        "releases_loaded": len(loaded),
        "release_ids": MetadataValue.text(", ".join(r.release_id for r in loaded) or "none new"),
        "releases": results_table(results),
    }
    if len(results) == 1:  # a single rolling file: its identity at a glance
        (only,) = results
        meta["source_url"] = MetadataValue.url(only.ref.url)
        if only.sha256:
            meta["sha256"] = MetadataValue.text(only.sha256)
    return meta


def _table_metadata(con: duckdb.DuckDBPyConnection, table: str, results: list[ingest.IngestResult]) -> dict:
    new_ids = [r.release_id for r in results if r.status == "loaded"]
    return {
        **relation_metadata(con, f"raw.{table}"),
        "rows_loaded_this_run": sum(r.table_rows.get(table, 0) for r in results),
        "release_ids": MetadataValue.text(", ".join(new_ids) or "none new"),
    }


FAMILY_ASSETS = [build_family_assets(f) for f in FAMILIES.values()]
