"""DDL for the tables crowdout owns before dbt runs: the release registry (`meta`) and raw tables (`raw`).

`meta.releases.status` is loaded, failed or withdrawn; `error` says why a release is not used (its load
error, or the reason given when it was withdrawn). `meta.publishes` has a row per publish, so checks can
tell the releases loaded since analysts last got a warehouse.

Raw tables are declared by the connectors (`Family.raw_tables`), so a new family brings its own tables
and nothing here changes.
"""

from __future__ import annotations

from typing import Iterable

import duckdb

from orchestration.connectors.release import Family

META_DDL = """
CREATE SCHEMA IF NOT EXISTS meta;
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS meta.releases (
    release_id      VARCHAR PRIMARY KEY,
    family          VARCHAR NOT NULL,
    release_key     VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    fetched_at      TIMESTAMPTZ NOT NULL,
    published_at    TIMESTAMPTZ,
    sha256          VARCHAR NOT NULL,
    bytes           BIGINT NOT NULL,
    etag            VARCHAR,
    last_modified   VARCHAR,
    content_type    VARCHAR,
    landing_path    VARCHAR NOT NULL,
    is_modelled     BOOLEAN NOT NULL,
    status          VARCHAR NOT NULL,
    error           VARCHAR,
    row_count       BIGINT,
    months_covered  DATE[],
    loaded_at       TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS meta.publishes (
    published_at    TIMESTAMPTZ NOT NULL,
    releases_loaded BIGINT NOT NULL,
    run_id          VARCHAR
);
-- Warehouses published before run ids were recorded gain the column (NULL for their old publishes).
ALTER TABLE meta.publishes ADD COLUMN IF NOT EXISTS run_id VARCHAR;
CREATE TABLE IF NOT EXISTS meta.fetch_attempts (
    attempted_at    TIMESTAMPTZ NOT NULL,
    family          VARCHAR NOT NULL,
    release_key     VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    outcome         VARCHAR NOT NULL,
    http_status     INTEGER,
    sha256          VARCHAR,
    error           VARCHAR
);
"""


def raw_table_ddl(family: Family) -> list[str]:
    statements = []
    for table, columns in family.raw_tables.items():
        cols = ",\n    ".join(f"{c.name} {c.type}" for c in columns)
        statements.append(
            f"CREATE TABLE IF NOT EXISTS raw.{table} (\n    release_id VARCHAR NOT NULL,\n    {cols}\n)"
        )
    return statements


def ensure_schema(con: duckdb.DuckDBPyConnection, families: Iterable[Family]) -> None:
    """Create what is missing; a raw table built before a connector declared more columns gains them.

    Columns are only ever added at the end of a declaration, so appending the missing ones keeps the
    declared order (which `quality.schema_unchanged` checks); rows loaded earlier hold NULL in them.
    """
    con.execute(META_DDL)
    for family in families:
        for statement in raw_table_ddl(family):
            con.execute(statement)
        for table, columns in family.raw_tables.items():
            for c in columns:
                con.execute(f"ALTER TABLE raw.{table} ADD COLUMN IF NOT EXISTS {c.name} {c.type}")
