"""Ingestion checks as Dagster asset checks: thin wiring over `orchestration.quality`.

Every check is declared blocking; an outcome marked blocking fails with ERROR severity and stops the dbt
models downstream, any other failure is a WARN that shows in the UI and lets the run go on.
"""

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

from orchestration import quality
from orchestration.defs.assets_raw import WRITER_POOL, family_slug, raw_key, release_key
from orchestration.defs.resources import CrowdoutResource
from orchestration.sources.catalog import FAMILIES
from orchestration.sources.release import Family
from orchestration.warehouse.lock import writer_lock

MONTHS_COVERED = "months_covered"
SCHEMA_UNCHANGED = "schema_unchanged"
ROW_COUNT = "row_count_vs_previous_release"


def _result(asset_key: AssetKey, name: str, outcome: quality.Outcome) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=name,
        passed=outcome.passed,
        severity=AssetCheckSeverity.ERROR if outcome.blocking else AssetCheckSeverity.WARN,
        description=outcome.description,
        metadata=outcome.metadata,
    )


def build_family_checks(family: Family):
    rkey = release_key(family.name)
    specs = [AssetCheckSpec(MONTHS_COVERED, asset=rkey, blocking=True,
                            description="loaded months have no gaps; no restatement drops months")]
    for table in family.raw_tables:
        specs += [
            AssetCheckSpec(SCHEMA_UNCHANGED, asset=raw_key(table), blocking=True,
                           description="columns and types match the connector's declaration"),
            AssetCheckSpec(ROW_COUNT, asset=raw_key(table), blocking=True,
                           description=f"newest release keeps >= {quality.ROW_RATIO_WARN:.0%} of the "
                           f"previous release's rows (< {quality.ROW_RATIO_ERROR:.0%} blocks)"),
        ]

    @multi_asset_check(name=f"{family_slug(family.name)}_checks", specs=specs, pool=WRITER_POOL)
    def _checks(context: AssetCheckExecutionContext, crowdout: CrowdoutResource):
        settings = crowdout.settings()
        with writer_lock(settings.build_warehouse):
            con = duckdb.connect(str(settings.build_warehouse), read_only=True)
            try:
                yield _result(rkey, MONTHS_COVERED, quality.months_covered(con, family.name))
                for table, declared in family.raw_tables.items():
                    yield _result(raw_key(table), SCHEMA_UNCHANGED,
                                  quality.schema_unchanged(con, table, declared))
                    yield _result(raw_key(table), ROW_COUNT,
                                  quality.row_count_vs_previous(con, family.name, table))
            finally:
                con.close()

    return _checks


FAMILY_CHECKS = [build_family_checks(f) for f in FAMILIES.values()]
