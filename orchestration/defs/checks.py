"""Ingestion checks as Dagster asset checks: thin wiring over `orchestration.warehouse.quality`.

The checks run inside each family's ingest step, on the connection that loaded the releases, so they
always run with the load and before dbt. Every check but series_catalogued (a warning by design: a
series the publisher adds never stops a refresh) is declared blocking; an outcome marked blocking
fails with ERROR severity and stops the dbt step downstream, any other failure is a WARN that shows in
the UI and lets the run go on.
"""

from __future__ import annotations

from typing import Iterator

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

from orchestration.config import ChecksConfig
from orchestration.connectors.release import Family
from orchestration.run_outcome import WAY_OUT
from orchestration.warehouse import quality

MONTHS_COVERED = "months_covered"
SCHEMA_UNCHANGED = "schema_unchanged"
ROW_COUNT = "row_count_vs_previous_release"
SERIES_CATALOGUED = "series_catalogued"


def _catalogued_tables(family: Family) -> list[str]:
    """Raw tables whose rows say whether their series is in the publisher's catalogue (TRAC's Table 1)."""
    return [t for t, columns in family.raw_tables.items() if any(c.name == "catalogued" for c in columns)]


def raw_key(table: str) -> AssetKey:
    return AssetKey(["raw", table])


def _main_table(family: Family) -> AssetKey:
    """Family-wide checks sit on the family's first raw table, the one every release fills."""
    return raw_key(next(iter(family.raw_tables)))


def check_specs(family: Family, limits: ChecksConfig) -> list[AssetCheckSpec]:
    specs = [AssetCheckSpec(MONTHS_COVERED, asset=_main_table(family), blocking=True,
                            description=f"{family.name}: loaded months have no gaps; no restatement drops months")]
    for table in family.raw_tables:
        specs += [
            AssetCheckSpec(SCHEMA_UNCHANGED, asset=raw_key(table), blocking=True,
                           description="columns and types match the connector's declaration"),
            AssetCheckSpec(ROW_COUNT, asset=raw_key(table), blocking=True,
                           description=f"newest release keeps >= {limits.warn_row_ratio:.0%} of the "
                           f"previous release's rows (< {limits.min_row_ratio:.0%} blocks)"),
        ]
    specs += [AssetCheckSpec(SERIES_CATALOGUED, asset=raw_key(table),
                             description="every loaded series is in the publisher's catalogue (warns, never blocks)")
              for table in _catalogued_tables(family)]
    return specs


def _result(asset_key: AssetKey, name: str, outcome: quality.Outcome) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=asset_key,
        check_name=name,
        passed=outcome.passed,
        severity=AssetCheckSeverity.ERROR if outcome.blocking else AssetCheckSeverity.WARN,
        description=outcome.description,
        metadata={**outcome.metadata, WAY_OUT: outcome.way_out} if outcome.way_out else outcome.metadata,
    )


def check_results(con: duckdb.DuckDBPyConnection, family: Family, limits: ChecksConfig) -> Iterator[AssetCheckResult]:
    yield _result(_main_table(family), MONTHS_COVERED, quality.months_covered(con, family.name, limits))
    for table, declared in family.raw_tables.items():
        yield _result(raw_key(table), SCHEMA_UNCHANGED, quality.schema_unchanged(con, table, declared))
        yield _result(raw_key(table), ROW_COUNT, quality.row_count_vs_previous(con, family.name, table, limits))
    for table in _catalogued_tables(family):
        yield _result(raw_key(table), SERIES_CATALOGUED, quality.series_catalogued(con, table))
