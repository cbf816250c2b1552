"""The release registry: what was fetched from where, what was loaded, and what failed and why.

It answers the questions ingestion asks before doing work (is this file already loaded? what validators
did the publisher give last time?) so a re-run does nothing it has done before.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb


def release_id(family: str, sha256: str) -> str:
    """Stable across re-runs and machines: the same bytes from the same family are the same release."""
    return f"{family}:{sha256[:16]}"


def loaded_release(con: duckdb.DuckDBPyConnection, family: str, sha256: str) -> str | None:
    row = con.execute(
        "SELECT release_id FROM meta.releases WHERE family = ? AND sha256 = ? AND status = 'loaded'",
        [family, sha256],
    ).fetchone()
    return row[0] if row else None


def mark_modelled(con: duckdb.DuckDBPyConnection, release_id: str) -> None:
    con.execute("UPDATE meta.releases SET is_modelled = true WHERE release_id = ?", [release_id])


def loaded_urls(con: duckdb.DuckDBPyConnection, family: str) -> set[str]:
    rows = con.execute(
        "SELECT DISTINCT url FROM meta.releases WHERE family = ? AND status = 'loaded'", [family]
    ).fetchall()
    return {r[0] for r in rows}


def http_validators(con: duckdb.DuckDBPyConnection, url: str) -> tuple[str | None, str | None]:
    """ETag and Last-Modified of the newest loaded release from this URL, for a conditional GET."""
    row = con.execute(
        """SELECT etag, last_modified FROM meta.releases
           WHERE url = ? AND status = 'loaded' ORDER BY fetched_at DESC LIMIT 1""",
        [url],
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def record_attempt(
    con: duckdb.DuckDBPyConnection,
    *,
    family: str,
    release_key: str,
    url: str,
    outcome: str,
    http_status: int | None = None,
    sha256: str | None = None,
    error: str | None = None,
) -> None:
    con.execute(
        "INSERT INTO meta.fetch_attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [datetime.now(timezone.utc), family, release_key, url, outcome, http_status, sha256, error],
    )


def upsert_release(
    con: duckdb.DuckDBPyConnection,
    *,
    release_id: str,
    family: str,
    release_key: str,
    url: str,
    fetched_at: datetime,
    published_at: datetime | None,
    sha256: str,
    bytes_: int,
    etag: str | None,
    last_modified: str | None,
    content_type: str | None,
    landing_path: str,
    is_modelled: bool,
    status: str,
    error: str | None,
    row_count: int | None,
    months_covered: list[date] | None,
) -> None:
    """One row per release; a later attempt on the same bytes (a fix, a re-run) overwrites the earlier one."""
    con.execute("DELETE FROM meta.releases WHERE release_id = ?", [release_id])
    con.execute(
        """INSERT INTO meta.releases VALUES
           (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            release_id, family, release_key, url, fetched_at, published_at, sha256, bytes_, etag,
            last_modified, content_type, landing_path, is_modelled, status, error, row_count,
            months_covered, datetime.now(timezone.utc) if status == "loaded" else None,
        ],
    )
