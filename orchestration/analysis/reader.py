"""Read-only access to the published warehouse, with errors that tell an analyst what to do next.

Every analyst command opens the file through `reading()`: read-only, no file system access from SQL
(so `ATTACH` or `COPY ... TO` cannot write anything either), and closed as soon as the work is done. The
writer never needs this file's lock (it publishes by renaming a new file over it), but a prompt close
keeps the old inode from lingering after a publish.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb

MARTS = "marts"


class AnalysisError(RuntimeError):
    """A failure whose message already says what to do next; the CLI prints it without a traceback."""


@dataclass(frozen=True)
class Limits:
    """What one analyst connection may use ([query] in releases.toml): DuckDB's memory limit and threads,
    and a spill folder of its own, capped, that the caller creates and removes."""

    memory_limit: str
    threads: int
    max_temp_directory_size: str
    temp_directory: Path

    def config(self) -> dict:
        return {"memory_limit": self.memory_limit, "threads": self.threads,
                "max_temp_directory_size": self.max_temp_directory_size, "temp_directory": str(self.temp_directory)}


@contextmanager
def reading(path: Path, limits: Limits | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published file, read-only and without file system access; with `limits`, within them. Either
    way the configuration is then locked (`lock_configuration`), so SQL cannot `SET`, `RESET` or `PRAGMA`
    its way out: DuckDB refuses the change itself. The spill folder is set before external access is
    turned off, as DuckDB refuses to change it afterwards."""
    if not path.exists():
        raise AnalysisError(
            f"no warehouse at {path} yet: run `crowdout refresh` first "
            "(or point CROWDOUT_WAREHOUSE at an existing warehouse file)."
        )
    try:
        con = duckdb.connect(str(path), read_only=True, config=limits.config() if limits else {})
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except duckdb.Error as exc:
        raise AnalysisError(
            f"cannot open {path} read-only: {exc}\nIt must be a DuckDB 2.x file written by `crowdout refresh`; "
            "run `crowdout refresh` to rebuild it."
        ) from exc
    try:
        yield con
    finally:
        con.close()


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema = ? ORDER BY table_name", [MARTS]
    ).fetchall()
    return [r[0] for r in rows]


def require_table(con: duckdb.DuckDBPyConnection, qualified: str) -> None:
    """Fail early, naming what exists, when a mart the command needs is not in this warehouse."""
    schema, name = qualified.split(".", 1)
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()[0][0]
    if not found:
        have = ", ".join(mart_tables(con)) or "no marts at all"
        raise AnalysisError(
            f"{qualified} is not in this warehouse (it has: {have}). "
            "Run `crowdout refresh` to build the marts."
        )


def geography_rows(con: duckdb.DuckDBPyConnection, mart: str, geography: str, start, end, order: str,
                   hint: str = ""):
    """A mart's rows of one geography (named in any case: `az` is AZ) from `start` to `end`, as Arrow,
    ordered by `order` (a column list of the command's own); fails naming the geographies the mart has
    (and `hint`), or the range it lacks. Returns (the geography as the mart spells it, the rows)."""
    if start > end:
        raise AnalysisError(f"--from {start:%Y-%m} is after --to {end:%Y-%m}")
    require_table(con, mart)
    known = [r[0] for r in con.execute(f"SELECT DISTINCT geography FROM {mart} ORDER BY 1").fetchall()]
    by_upper = {k.upper(): k for k in known}
    if geography.upper() not in by_upper:
        raise AnalysisError(f"no geography {geography!r} in {mart}; choose one of: {', '.join(known)}{hint}")
    geography = by_upper[geography.upper()]
    data = con.sql(f"SELECT * FROM {mart} WHERE geography = $g AND month BETWEEN $a AND $b ORDER BY {order}",
                   params={"g": geography, "a": start, "b": end}).to_arrow_table()
    if data.num_rows == 0:
        raise AnalysisError(f"{mart} has no {geography} rows between {start:%Y-%m} and {end:%Y-%m}; "
                            f"see what it has: crowdout query \"SELECT min(month), max(month) FROM {mart}\"")
    return geography, data
