"""`crowdout query`: one SQL statement against the published warehouse, read-only, as a table or a file.

DuckDB's own error text is kept (it points at the failing token), and followed by what to do next: the
mart tables for a wrong name, the ways to keep a result for a refused write.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sys
import threading
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from rich.console import RenderableType

from orchestration.analysis import layout
from orchestration.analysis.reader import AnalysisError, mart_tables, reading
from orchestration.config import DBT_PROJECT_DIR, PACKAGE_DIR, RELEASES_TOML, Settings

FORMATS = ("table", "csv", "json", "parquet")

READ_ONLY_HELP = (
    "crowdout query is read-only: the published warehouse changes only through `crowdout refresh`. "
    "To keep a result, add `--format csv|json|parquet --output FILE`; a TEMP table or a CTE works inside "
    "one query."
)


def run(warehouse: Path, sql: str, timeout_s: float | None = None) -> pa.Table:
    """The query's result; after `timeout_s` seconds DuckDB is interrupted, so a runaway query (a
    cross join, `range(1e14)`) ends with a message instead of running on."""
    with reading(warehouse) as con:
        timer = threading.Timer(timeout_s, con.interrupt) if timeout_s else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            rel = con.sql(sql)
            return rel.to_arrow_table() if rel is not None else pa.table({})
        except duckdb.InterruptException as exc:
            raise AnalysisError(
                f"query stopped after {timeout_s:g}s (--timeout; the default is query.timeout_seconds in "
                "releases.toml). Narrow it with WHERE/LIMIT, or give a longer --timeout."
            ) from exc
        except duckdb.PermissionException as exc:
            raise AnalysisError(f"{exc}\n{READ_ONLY_HELP} SQL cannot read or write other files here.") from exc
        except duckdb.Error as exc:
            if "read-only mode" in str(exc):
                raise AnalysisError(f"{exc}\n{READ_ONLY_HELP}") from exc
            tables = ", ".join(mart_tables(con)) or "none yet (run `crowdout refresh`)"
            raise AnalysisError(
                f"DuckDB: {exc}\nTables you can query: {tables}, meta.releases.\n"
                "Columns of one table: crowdout query \"DESCRIBE marts.fct_displacement_district_month\""
            ) from exc
        finally:
            if timer:
                timer.cancel()


def protected_paths(settings: Settings) -> list[Path]:
    """Files and folders a query result must never be written over or into: the published and build
    warehouses, the landed releases, and the project itself (code, dbt project, configuration)."""
    return [settings.warehouse, settings.build_warehouse, settings.landing,
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
                f"--output {output} would write over {owned}, which crowdout owns (warehouse, build, "
                "landing or project files). Write the result somewhere else, e.g. --output result.csv."
            )


def modelled_warning(warehouse: Path, table: pa.Table) -> str | None:
    """A result without any modelled flag or basis column cannot show which of its figures are modelled;
    when the warehouse holds modelled releases, the reader must be told, or a modelled number passes for
    real. A flag under any name (`bool_or(is_modelled) AS any_modelled`) or a `*_basis` column says it,
    and a result with no numbers (DESCRIBE, names, dates) holds no figure to mistake."""
    if any("modelled" in name or name.endswith("basis") for name in table.column_names):
        return None
    if not any(pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_decimal(f.type)
               for f in table.schema):
        return None
    with reading(warehouse) as con:
        modelled, total = con.execute(
            "SELECT count(*) FILTER (WHERE is_modelled), count(*) FROM meta.releases WHERE status = 'loaded'"
        ).fetchone()
    if not modelled:
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


def to_rich(table: pa.Table, limit: int, width: int) -> RenderableType:
    """A result for a terminal `width` columns wide (layout.fit: one block per row when too wide)."""
    shown = table.slice(0, limit) if limit else table
    title = f"{table.num_rows:,} rows"
    if shown.num_rows < table.num_rows:
        title += f" (first {shown.num_rows:,} shown)"
    out = layout.table(title)
    for field in table.schema:
        numeric = pa.types.is_integer(field.type) or pa.types.is_floating(field.type) or pa.types.is_decimal(field.type)
        out.add_column(field.name, justify="right" if numeric else "left", no_wrap=True)
    for row in shown.to_pylist():
        out.add_row(*(cell(v) if v is not None else "[dim]NULL[/]" for v in row.values()))
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


def write(table: pa.Table, fmt: str, output: Path | None) -> None:
    """Write csv/json/parquet to `output`, or csv/json to stdout; parquet is binary, so it needs a file."""
    if fmt == "parquet":
        check_destination(fmt, output)
        pq.write_table(table, output)
        return
    if fmt == "csv":
        if output is None:
            sink = pa.BufferOutputStream()
            pacsv.write_csv(csv_ready(table), sink)
            sys.stdout.write(sink.getvalue().to_pybytes().decode())
        else:
            pacsv.write_csv(csv_ready(table), output)
        return
    text = json.dumps(table.to_pylist(), default=_json_default, indent=1)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n")
