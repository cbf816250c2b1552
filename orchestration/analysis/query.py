"""`crowdout query`: one SQL statement against the published warehouse, read-only and within crowdout's
limits (memory, threads, spill, time), streamed to a table or a file.

DuckDB's own error text is kept (it points at the failing token), and followed by what to do next: the
mart tables for a wrong name, the ways to keep a result for a refused write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import decimal
import itertools
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from filelock import FileLock, Timeout
from rich.console import RenderableType
from rich.markup import escape
from rich.text import Text

from orchestration.analysis import layout
from orchestration.analysis.reader import AnalysisError, Limits, mart_tables, reading
from orchestration.config import DBT_PROJECT_DIR, PACKAGE_DIR, RELEASES_TOML, Settings
from orchestration.safe_text import printable

FORMATS = ("table", "csv", "json", "parquet")

SETTINGS_HELP = (
    "crowdout sets the memory, threads and spill folder of every query (query.* in releases.toml); SET, "
    "RESET and PRAGMA cannot change them."
)
READ_ONLY_HELP = (
    "crowdout query is read-only: the published warehouse changes only through `crowdout refresh`. "
    "To keep a result, add `--format csv|json|parquet --output FILE`; a TEMP table or a CTE works inside "
    "one query."
)


BATCH_ROWS = 10_000  # rows fetched, converted and written at a time
TABLE_ROWS = 10_000  # the most rows a terminal table holds (--limit 0 included); files take any number
SPILL_PREFIX = "crowdout-query-"


@dataclasses.dataclass
class Result:
    """A query's result as it streams: its columns, and its rows in batches (one pass)."""

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    modelled_releases: tuple[int, int] = (0, 0)  # (modelled, all) loaded releases in the warehouse

    @classmethod
    def of(cls, data: Result | pa.Table) -> Result:
        return data if isinstance(data, Result) else cls(data.schema, iter(data.to_batches()))

    def with_batches(self, schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> Result:
        return dataclasses.replace(self, schema=schema, batches=batches)


def limits(settings: Settings, spill: Path) -> Limits:
    q = settings.releases.query
    return Limits(memory_limit=q.memory_limit, threads=q.threads,
                  max_temp_directory_size=q.max_temp_directory_size, temp_directory=spill)


@contextlib.contextmanager
def spill_folder() -> Iterator[Path]:
    """A private folder for what a query spills, in the system's temp folder (never beside the published
    warehouse), removed when the query ends. It holds a kernel lock while in use, so a folder left by a
    killed query (its lock died with it) is removed by the next query."""
    for stale in Path(tempfile.gettempdir()).glob(f"{SPILL_PREFIX}*"):
        try:
            with FileLock(stale / ".in-use", timeout=0):
                shutil.rmtree(stale, ignore_errors=True)
        except (Timeout, OSError):
            continue  # in use by a running query, or not ours to remove
    folder = Path(tempfile.mkdtemp(prefix=SPILL_PREFIX))
    try:
        with FileLock(folder / ".in-use"):
            yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def run(settings: Settings, sql: str, timeout_s: float | None = None, *, build: bool = False) -> Iterator[Result]:
    """The query's result, streamed in batches of BATCH_ROWS, within crowdout's limits (memory, threads,
    spill: [query] in releases.toml). The timeout covers the whole `with` block, fetching and writing
    the result included: after `timeout_s` seconds DuckDB is interrupted and the next batch raises, so
    a runaway query (a cross join, `range(1e14)`) or a huge result ends with a message. With `build`, on
    the build warehouse instead of the published one: where a failed dbt test's failing rows are (the
    build that failed is never published)."""
    deadline = time.monotonic() + timeout_s if timeout_s else None
    path = settings.build_warehouse if build else settings.warehouse
    with spill_folder() as spill, reading(path, limits(settings, spill)) as con:
        timer = threading.Timer(timeout_s, con.interrupt) if timeout_s else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            modelled = _modelled_releases(con)
            rel = con.sql(sql)
            if rel is None:
                yield Result(pa.schema([]), iter(()), modelled)
            else:
                reader = rel.to_arrow_reader(BATCH_ROWS)
                yield Result(reader.schema, _until(reader, deadline), modelled)
        except (duckdb.InterruptException, _Overtime) as exc:
            raise AnalysisError(
                f"query stopped after {timeout_s:g}s (--timeout; the default is query.timeout_seconds in "
                "releases.toml). Narrow it with WHERE/LIMIT, or give a longer --timeout."
            ) from exc
        except duckdb.OutOfMemoryException as exc:
            raise AnalysisError(
                f"{exc}\nThe query needs more than crowdout lets one query use (query.memory_limit and "
                "query.max_temp_directory_size in releases.toml). Narrow it with WHERE/LIMIT or aggregate first."
            ) from exc
        except duckdb.PermissionException as exc:
            raise AnalysisError(f"{exc}\n{READ_ONLY_HELP} SQL cannot read or write other files here.") from exc
        except duckdb.Error as exc:
            if "read-only mode" in str(exc):
                raise AnalysisError(f"{exc}\n{READ_ONLY_HELP}") from exc
            if "configuration has been locked" in str(exc):
                raise AnalysisError(f"{exc}\n{SETTINGS_HELP}") from exc
            tables = ", ".join(mart_tables(con)) or "none yet (run `crowdout refresh`)"
            raise AnalysisError(
                f"DuckDB: {exc}\nTables you can query: {tables}, meta.releases.\n"
                "Columns of one table: crowdout query \"DESCRIBE marts.fct_displacement_district_month\""
            ) from exc
        finally:
            if timer:
                timer.cancel()


class _Overtime(Exception):
    """The timeout passed between two batches (while the previous one was being written)."""


def _until(reader: pa.RecordBatchReader, deadline: float | None) -> Iterator[pa.RecordBatch]:
    """The reader's batches, stopping at the deadline. DuckDB's errors met while streaming reach Python
    through Arrow's C stream as OSErrors carrying DuckDB's text; they are raised again as DuckDB's."""
    batches = iter(reader)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except OSError as exc:
            kind = duckdb.InterruptException if str(exc).startswith("INTERRUPT Error") else (
                duckdb.OutOfMemoryException if str(exc).startswith("Out of Memory Error") else duckdb.Error)
            raise kind(str(exc)) from exc
        if deadline is not None and time.monotonic() > deadline:
            raise _Overtime
        yield batch


def protected_paths(settings: Settings) -> list[Path]:
    """Files and folders a query result must never be written over or into: the published and build
    warehouses, the landed releases, the Dagster instance (DAGSTER_HOME), the releases file in use, the
    dbt profile and target written beside the warehouse, and the project itself (code,
    dbt project, configuration). Overwriting any of them broke every later command."""
    data = settings.data_dir
    return [settings.warehouse, settings.build_warehouse, settings.landing, settings.dagster_home,
            settings.releases_file, data / "dbt-profile", data / "dbt-target",
            PACKAGE_DIR, DBT_PROJECT_DIR, RELEASES_TOML]


def check_output(settings: Settings, output: Path) -> None:
    """Refuse an --output that resolves (through symlinks, `..` or a hard link) to a file crowdout owns,
    or to a warehouse's WAL, lock or publish temp file beside it: `--output $CROWDOUT_WAREHOUSE` once
    replaced the warehouse with a CSV."""
    target = output.expanduser().resolve()
    for owned in map(Path.resolve, protected_paths(settings)):
        sibling = owned.suffix == ".duckdb" and target.parent == owned.parent and owned.name in target.name
        inside = target == owned or owned in target.parents
        same_file = target.exists() and owned.exists() and os.path.samefile(target, owned)
        if sibling or inside or same_file:
            raise AnalysisError(
                f"--output {printable(str(output))} would write over {printable(str(owned))}, which crowdout "
                "owns (warehouse, build, landing, Dagster instance, releases file, dbt profile or project files). "
                "Write the result somewhere else, e.g. --output result.csv."
            )


def _modelled_releases(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(modelled, all) loaded releases; read before the query, whose result streams on the connection."""
    try:
        return con.execute("SELECT count(*) FILTER (WHERE is_modelled), count(*) FROM meta.releases "
                           "WHERE status = 'loaded'").fetchall()[0]
    except duckdb.CatalogException:
        return (0, 0)


def modelled_warning(result: Result) -> str | None:
    """A result without any modelled flag or basis column cannot show which of its figures are modelled;
    when the warehouse holds modelled releases, the reader must be told, or a modelled number passes for
    real. A flag under any name (`bool_or(is_modelled) AS any_modelled`) or a `*_basis` column says it,
    and a result with no numbers (DESCRIBE, names, dates) holds no figure to mistake."""
    modelled, total = result.modelled_releases
    if not modelled or any("modelled" in name or name.endswith("basis") for name in result.schema.names):
        return None
    if not any(pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
               for f in result.schema):
        return None
    return (f"Note: {modelled:,} of the warehouse's {total:,} releases hold modelled figures (the bundled "
            "sample). Add is_modelled (or prosecutions_is_modelled / bp_apprehensions_is_modelled) to the "
            "SELECT to tell modelled rows from published ones.")


def cell(value) -> str:
    """How a value reads in a terminal table: thousands separators, four decimals at most, NULL shown."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (float, decimal.Decimal)):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def to_rich(result: Result | pa.Table, limit: int, width: int) -> RenderableType:
    """A result for a terminal `width` columns wide (layout.fit: one block per row when too wide). Only
    the rows shown are kept (at most TABLE_ROWS); the rest are counted as they stream past. Values are
    text, never markup, with terminal control characters made visible."""
    result = Result.of(result)
    keep = min(limit or TABLE_ROWS, TABLE_ROWS)
    shown: list[pa.RecordBatch] = []
    total = held = 0
    for batch in result.batches:
        total += batch.num_rows
        if held < keep:
            shown.append(batch.slice(0, keep - held))
            held += shown[-1].num_rows
    title = f"{total:,} rows"
    if held < total:
        title += f" (first {held:,} shown)"
    out = layout.table(title)
    for field in result.schema:
        numeric = pa.types.is_integer(field.type) or pa.types.is_floating(field.type) or pa.types.is_decimal(field.type)
        out.add_column(escape(printable(field.name)), justify="right" if numeric else "left", no_wrap=True)
    for row in pa.Table.from_batches(shown, result.schema).to_pylist():
        out.add_row(*(Text(printable(cell(v))) if v is not None else Text("NULL", style="dim") for v in row.values()))
    return layout.fit(out, width)


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


def csv_ready(table: pa.Table) -> pa.Table:
    """CSV has no lists (e.g. `release_ids`): join their items with `;` so every column survives."""
    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            joined = [None if v is None else ";".join(cell(x) for x in v) for v in table.column(i).to_pylist()]
            table = table.set_column(i, field.name, pa.array(joined, pa.string()))
    return table


def check_destination(fmt: str, output: Path | None) -> None:
    """Refuse a format with nowhere to go before the query runs, so the error is the only thing printed."""
    if fmt == "parquet" and output is None:
        raise AnalysisError("--format parquet writes a binary file: add --output FILE.parquet")


def write(result: Result | pa.Table, fmt: str, output: Path | None) -> int:
    """Write csv/json/parquet to `output`, or csv/json to stdout, a batch at a time (never the whole
    result in memory); parquet is binary, so it needs a file. Returns the rows written."""
    result = Result.of(result)
    if fmt == "parquet":
        check_destination(fmt, output)
        rows = 0
        with pq.ParquetWriter(output, result.schema) as sink:
            for batch in result.batches:
                sink.write_batch(batch)
                rows += batch.num_rows
        return rows
    with contextlib.ExitStack() as stack:
        text = stack.enter_context(open(output, "w", encoding="utf-8", newline="")) if output else sys.stdout
        return (_write_csv if fmt == "csv" else _write_json)(result, text)


def _write_csv(result: Result, text) -> int:
    """The header once (even for no rows), then each batch's rows."""
    rows, header = 0, True
    for batch in itertools.chain(result.batches, [None]):
        if batch is None and not header:
            break
        table = pa.Table.from_batches([batch] if batch else [], result.schema)
        buffer = pa.BufferOutputStream()
        pacsv.write_csv(csv_ready(table), buffer, pacsv.WriteOptions(include_header=header))
        text.write(buffer.getvalue().to_pybytes().decode())
        rows, header = rows + table.num_rows, False
    return rows


def _write_json(result: Result, text) -> int:
    """The same text as `json.dumps(rows, indent=1)`, one row at a time."""
    rows = 0
    text.write("[")
    for batch in result.batches:
        for item in batch.to_pylist():
            text.write(("\n " if rows == 0 else ",\n ")
                       + json.dumps(item, default=_json_default, indent=1).replace("\n", "\n "))
            rows += 1
    text.write("\n]\n" if rows else "]\n")
    return rows
