"""Materialization metadata that reads well in the Dagster UI: small tables of rows and releases."""

from datetime import date, datetime
from decimal import Decimal

import duckdb
from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from orchestration.warehouse.ingest import IngestResult

PREVIEW_ROWS = 10


def _cell(value):
    """TableRecord takes str, int, float and bool only; dates, decimals and lists become text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def preview(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> MetadataValue:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchmany(PREVIEW_ROWS)
    return MetadataValue.table(
        records=[TableRecord({n: _cell(v) for n, v in zip(names, row)}) for row in rows],
        schema=TableSchema(columns=[TableColumn(n, "string") for n in names]),
    )


def results_table(results: list[IngestResult], limit: int = 50) -> MetadataValue:
    """What happened to each release this run: loaded ones first, since those are what changed."""
    ordered = sorted(results, key=lambda r: (r.status != "loaded", r.ref.key))[:limit]
    columns = ("release", "status", "rows", "release_id", "sha256", "url")
    return MetadataValue.table(
        records=[
            TableRecord({
                "release": r.ref.key, "status": r.status, "rows": r.rows, "release_id": r.release_id or "",
                "sha256": r.sha256 or "", "url": r.ref.url,
            })
            for r in ordered
        ],
        schema=TableSchema(columns=[TableColumn(c, "int" if c == "rows" else "string") for c in columns]),
    )


def relation_metadata(con: duckdb.DuckDBPyConnection, relation: str) -> dict:
    """Row count and the first rows of a warehouse table or view, as an engineer checks them by hand."""
    return {
        "dagster/row_count": con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0],
        "preview": preview(con, f"SELECT * FROM {relation} LIMIT {PREVIEW_ROWS}"),
    }
