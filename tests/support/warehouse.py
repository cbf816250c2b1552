"""Looking into a test's build warehouse from outside the code under test.

Every connection is opened and closed per question, read-only, so a test never holds the lock that the
next ingest needs (DuckDB allows one writing process).
"""

from __future__ import annotations

import duckdb

from orchestration.connectors import http
from orchestration.connectors.catalog import FAMILIES
from orchestration.warehouse import ingest


def rows(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.build_warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def ingest_one(settings, ref) -> ingest.IngestResult:
    con = ingest.connect_build(settings)
    try:
        return ingest.ingest_release(settings, con, http.make_session(settings.releases.http), ref)
    finally:
        con.close()


def snapshot(settings) -> dict:
    """What a fault must not change: each raw table's rows per release, and the release registry."""
    tables = [t for family in FAMILIES.values() for t in family.raw_tables]
    state = {
        "releases": rows(settings, "SELECT release_id, status, row_count FROM meta.releases ORDER BY release_id"),
    }
    for table in tables:
        state[table] = rows(
            settings, f"SELECT release_id, count(*) FROM raw.{table} GROUP BY release_id ORDER BY release_id"
        )
    return state
