"""Raw loads: a release's rows replace that release's rows, all tables and the registry in one transaction.

Either every raw table and `meta.releases` show the new release, or none of them do: a parse error, a
constraint violation or a killed process leaves the warehouse as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.config import ChecksConfig
from orchestration.connectors.release import Family, ParsedRelease, ReleaseRef
from orchestration.warehouse import ncd_loader, registry


@dataclass(frozen=True)
class ReleaseFile:
    """What the registry needs to know about a landed file and how it was fetched."""

    sha256: str
    bytes: int
    landing_path: str
    fetched_at: datetime
    published_at: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None


def _check_columns(family: Family, table: str, parsed: ParsedRelease) -> list[str]:
    expected = [c.name for c in family.raw_tables[table]]
    got = parsed.tables[table].column_names
    if got != expected:
        raise ValueError(f"parser for {family.name} returned {table} columns {got}, declared {expected}")
    return expected


def load_release(
    con: duckdb.DuckDBPyConnection,
    family: Family,
    ref: ReleaseRef,
    file: ReleaseFile,
    parsed: ParsedRelease,
    checks: ChecksConfig | None = None,
) -> str:
    """Replace this release's raw rows and mark it loaded. Returns its release_id. `checks` ([checks] of
    releases.toml: a streamed family's share of set-aside records) is needed for a streamed family only."""
    if family.records is not None and checks is None:
        raise TypeError(f"loading a {family.name} release needs the [checks] settings")
    rid = registry.release_id(family.name, file.sha256)
    con.execute("BEGIN TRANSACTION")
    try:
        for table in family.raw_tables:
            con.execute(f"DELETE FROM raw.{table} WHERE release_id = ?", [rid])
            if table not in parsed.tables:
                continue
            columns = _check_columns(family, table, parsed)
            con.register("_release_batch", parsed.tables[table])
            collist = ", ".join(columns)
            con.execute(
                f"INSERT INTO raw.{table} (release_id, {collist}) SELECT ?, {collist} FROM _release_batch",
                [rid],
            )
            con.unregister("_release_batch")
        if family.records is not None:  # too big for memory: its record files are streamed in
            streamed = ncd_loader.load(con, family, Path(file.landing_path), ref, rid,
                                       checks.max_ncd_rejected_ratio)
            parsed.streamed_rows.update(streamed.rows)
            parsed.months = streamed.months
        _register(con, family, ref, file, rid, "loaded", None, parsed.row_count, parsed.months, parsed)
        con.execute("COMMIT")
    except BaseException as exc:
        _rollback(con, exc)
        raise
    return rid


def _rollback(con: duckdb.DuckDBPyConnection, exc: BaseException) -> None:
    """Undo the open transaction without hiding why it failed.

    A COMMIT that fails (disk full) has already ended the transaction, so the ROLLBACK then fails too
    ("no transaction is active"); raising that would replace the cause the operator needs to see."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error as rollback_error:
        exc.add_note(f"(the ROLLBACK after it also failed: {rollback_error})")


def record_failed_release(
    con: duckdb.DuckDBPyConnection, family: Family, ref: ReleaseRef, file: ReleaseFile, error: str
) -> str:
    """Register a landed file that could not be loaded, so `crowdout status` shows it and why."""
    rid = registry.release_id(family.name, file.sha256)
    con.execute("BEGIN TRANSACTION")
    try:
        if registry.loaded_release(con, family.name, file.sha256) is None:
            _register(con, family, ref, file, rid, "failed", error, None, None)
        con.execute("COMMIT")
    except BaseException as exc:
        _rollback(con, exc)
        raise
    return rid


def _register(con, family, ref, file, rid, status, error, row_count, months, parsed=None) -> None:
    registry.upsert_release(
        con,
        release_id=rid,
        family=family.name,
        release_key=ref.key,
        url=ref.url,
        fetched_at=file.fetched_at,
        published_at=file.published_at,
        sha256=file.sha256,
        bytes_=file.bytes,
        etag=file.etag,
        last_modified=file.last_modified,
        content_type=file.content_type,
        landing_path=file.landing_path,
        # modelled if the publisher's link says so or the parser found figures the file marks as modelled
        is_modelled=ref.is_modelled or bool(parsed and parsed.modelled),
        status=status,
        error=error,
        row_count=row_count,
        months_covered=sorted(set(months)) if months else None,
    )
