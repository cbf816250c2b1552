"""The release registry: what was fetched from where, what was loaded, and what failed and why.

It answers the questions ingestion asks before doing work (is this file already loaded? what validators
did the publisher give last time?) so a re-run does nothing it has done before.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb

from orchestration.connectors.catalog import FAMILIES


def release_id(family: str, sha256: str) -> str:
    """Stable across re-runs and machines: the same bytes from the same family are the same release."""
    return f"{family}:{sha256[:16]}"


def loaded_release(con: duckdb.DuckDBPyConnection, family: str, sha256: str) -> str | None:
    row = con.execute(
        "SELECT release_id FROM meta.releases WHERE family = ? AND sha256 = ? AND status = 'loaded'",
        [family, sha256],
    ).fetchone()
    return row[0] if row else None


def withdrawn_release(con: duckdb.DuckDBPyConnection, family: str, sha256: str) -> tuple[str, str] | None:
    """(release_id, reason) if these bytes were withdrawn: fetching them again must not bring them back."""
    row = con.execute(
        "SELECT release_id, error FROM meta.releases WHERE family = ? AND sha256 = ? AND status = 'withdrawn'",
        [family, sha256],
    ).fetchone()
    return (row[0], row[1]) if row else None


class UnknownRelease(ValueError):
    pass


def _status(con: duckdb.DuckDBPyConnection, release_id: str) -> tuple[str, str]:
    row = con.execute("SELECT status, landing_path FROM meta.releases WHERE release_id = ?", [release_id]).fetchone()
    if row is None:
        near = [r[0] for r in con.execute(
            "SELECT release_id FROM meta.releases WHERE release_id LIKE ? ORDER BY 1 LIMIT 5",
            [release_id.split(":")[0] + "%"]).fetchall()]
        raise UnknownRelease(f"no release {release_id} in the build warehouse"
                             + (f"; releases of that family: {', '.join(near)}" if near else "")
                             + ". `crowdout status` lists releases by id.")
    return row


def withdraw(con: duckdb.DuckDBPyConnection, release_id: str, reason: str) -> str:
    """Take a loaded release out of every mart from the next dbt build on (models read status =
    'loaded' only), keeping its row, reason, raw rows and landed file. Returns the landed path."""
    status, landing_path = _status(con, release_id)
    if status != "loaded":
        raise UnknownRelease(f"{release_id} is {status}, not loaded: only a loaded release can be withdrawn")
    con.execute("UPDATE meta.releases SET status = 'withdrawn', error = ? WHERE release_id = ?",
                [reason, release_id])
    return landing_path


def restore(con: duckdb.DuckDBPyConnection, release_id: str) -> str:
    """Undo `withdraw`: the release is loaded again, as it was."""
    status, landing_path = _status(con, release_id)
    if status != "withdrawn":
        raise UnknownRelease(f"{release_id} is {status}, not withdrawn: nothing to restore")
    con.execute("UPDATE meta.releases SET status = 'loaded', error = NULL WHERE release_id = ?", [release_id])
    return landing_path


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


def period_span(con: duckdb.DuckDBPyConnection, family: str,
                release_ids: list[str] | None = None) -> tuple[int, date | None, date | None] | None:
    """(rows, first month, last month) of the loaded releases (or `release_ids`) of a family of scattered
    periods (`Family.periods`), which cover no months of a series; None for a monthly family."""
    periods = FAMILIES[family].periods if family in FAMILIES else None
    if periods is None:
        return None
    table, start, end = periods
    try:
        return con.execute(
            f"""SELECT count(*), min(t.{start}), max(t.{end}) FROM raw.{table} AS t JOIN meta.releases AS r
                USING (release_id)
                WHERE r.status = 'loaded' AND (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], r.release_id))""",
            [release_ids, release_ids]).fetchone()
    except duckdb.CatalogException:  # a file without raw tables (marts and the registry only): no span to say
        return 0, None, None
