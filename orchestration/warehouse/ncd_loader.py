"""NCD record files into `raw.eousa_ncd_*`, streamed by DuckDB inside the loader's transaction.

The connector yields each needed table file as records on disk (orchestration/connectors/eousa/
records.py); here DuckDB slices the needed columns straight from it, so memory holds a chunk, never a
table. Redactions (`*`) and impossible dates become NULL and are tallied into raw.eousa_ncd_quality.
Records the connector set aside go to raw.eousa_ncd_rejects with their file and line; a file whose
set-aside share is over `[checks] max_ncd_rejected_ratio` refuses the whole release, naming the file
and its first bad lines.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.connectors.eousa.layouts import Column
from orchestration.connectors.eousa.records import (
    DATE_TYPE,
    MAX_REJECTS_KEPT,
    NEEDED,
    PLAUSIBLE_YEARS,
    RecordFile,
)
from orchestration.connectors.release import Family, ParseError, ReleaseRef, StreamedLoad

# DuckDB's memory while streaming a release; benchmarks/README.md has the peak it gives.
LOAD_MEMORY_LIMIT = "1GB"
# Shown in a refusal: this many of a file's first set-aside lines.
_SHOWN_REJECTS = 5


def load(con: duckdb.DuckDBPyConnection, family: Family, path: Path, ref: ReleaseRef, release_id: str,
         max_ratio: float) -> StreamedLoad:
    """Stream every record file of the release into its raw table over `con` (the caller holds the
    transaction). Returns rows loaded per raw table, and the months the release's court filings fall in
    (the months its counts can date a case by), so a later dump that lost a year is caught by the
    months check. Above `max_ratio` ([checks] max_ncd_rejected_ratio) of a file's records set aside, the
    release is refused."""
    work = Path(tempfile.mkdtemp(prefix=".eousa-load-", dir=path.parents[2]))
    rows: dict[str, int] = {}
    tallies: dict[tuple[str, str, str], list] = {}
    saved = dict(con.execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'preserve_insertion_order')"
    ).fetchall())
    # Bounded memory whatever the machine (DuckDB's default is 80% of RAM; beyond the limit it spills
    # to its temp directory), and no buffering to keep file order, which raw tables do not promise.
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = false")
    files = 0
    try:
        for records in family.records(path, ref, work):
            try:
                _refuse_if_too_many_rejects(records, max_ratio, ref)
                n = _load_file(con, records, release_id, tallies)
            finally:
                records.path.unlink(missing_ok=True)
            raw_table = NEEDED[records.file.layout.table][0]
            rows[raw_table] = rows.get(raw_table, 0) + n
            rows["eousa_ncd_rejects"] = rows.get("eousa_ncd_rejects", 0) + len(records.rejects)
            files += 1
            _record_file(con, records, release_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for name, value in saved.items():
            con.execute(f"SET {name} = '{value}'")
    for (table, column, issue), (cells, example) in sorted(tallies.items()):
        con.execute("INSERT INTO raw.eousa_ncd_quality VALUES (?, ?, ?, ?, ?, ?)",
                    [release_id, table, column, issue, cells, example])
    rows["eousa_ncd_files"] = files
    rows["eousa_ncd_quality"] = len(tallies)
    months = [m for (m,) in con.execute(
        "SELECT DISTINCT CAST(date_trunc('month', filing_date) AS DATE) FROM raw.eousa_ncd_court_hist "
        "WHERE release_id = ? AND filing_date IS NOT NULL ORDER BY 1", [release_id]).fetchall()]
    return StreamedLoad(rows, months)


def _refuse_if_too_many_rejects(records: RecordFile, max_ratio: float, ref: ReleaseRef) -> None:
    lines = records.records + records.rejected
    if not records.rejected or (records.rejected <= max_ratio * lines and records.rejected <= MAX_REJECTS_KEPT):
        return
    first = "; ".join(f"line {r.line}: {r.reason}" for r in records.rejects[:_SHOWN_REJECTS])
    raise ParseError(
        ref, f"{records.file.label}: {records.rejected:,} of {lines:,} records set aside, over the "
        f"{max_ratio:.2%} a release may lose ([checks] max_ncd_rejected_ratio); first: {first}",
    )


def _record_file(con, records: RecordFile, release_id: str) -> None:
    file = records.file
    source = Path(file.member).name
    con.execute(
        "INSERT INTO raw.eousa_ncd_files (release_id, disk, source_file, table_name, record_width, records, "
        "records_set_aside) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [release_id, file.disk.name, source, file.layout.table, file.layout.width, records.records, records.rejected],
    )
    if records.rejects:
        batch = pa.table({"line_number": [r.line for r in records.rejects],
                          "reason": [r.reason for r in records.rejects],
                          "record_text": [r.text for r in records.rejects]})
        con.register("_eousa_rejects", batch)
        con.execute("INSERT INTO raw.eousa_ncd_rejects SELECT ?, ?, ?, line_number, reason, record_text "
                    "FROM _eousa_rejects", [release_id, file.disk.name, source])
        con.unregister("_eousa_rejects")


def _field(column: Column) -> str:
    return f"nullif(trim(substr(line, {column.begin}, {column.end - column.begin + 1})), '')"


def _load_file(con, records: RecordFile, release_id: str, tallies) -> int:
    file, layout = records.file, records.file.layout
    raw_table, names = NEEDED[layout.table]
    cols = [layout.columns[n] for n in names]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _eousa_file AS
            SELECT {', '.join(f'{_field(c)} AS "{c.name}"' for c in cols)}
            FROM read_csv(?, columns = {{'line': 'VARCHAR'}}, header = false, delim = '\x1f', quote = '',
                          escape = '', new_line = '\\n', encoding = 'latin-1', auto_detect = false)""",
        [str(records.path)],
    )
    lo, hi = PLAUSIBLE_YEARS
    values = []
    for c in cols:
        q = f'"{c.name}"'
        if c.type == DATE_TYPE:
            parsed = f"try_strptime({q}, '%d-%b-%Y')"
            values.append(f"CASE WHEN year({parsed}) BETWEEN {lo} AND {hi} THEN CAST({parsed} AS DATE) END")
            bad = f"{q} IS NOT NULL AND {q} <> '*' AND (year({parsed}) NOT BETWEEN {lo} AND {hi} OR {parsed} IS NULL)"
            _tally(con, tallies, layout.table, c.name, "bad_date", bad, q)
        else:
            values.append(f"CASE WHEN {q} <> '*' THEN {q} END")
        _tally(con, tallies, layout.table, c.name, "redacted", f"{q} = '*'", q)
    collist = ", ".join(["release_id", "disk", "source_file", *(n.lower() for n in names)])
    con.execute(
        f"INSERT INTO raw.{raw_table} ({collist}) SELECT ?, ?, ?, {', '.join(values)} FROM _eousa_file",
        [release_id, file.disk.name, Path(file.member).name],
    )
    loaded = con.execute("SELECT count(*) FROM _eousa_file").fetchone()[0]
    con.execute("DROP TABLE _eousa_file")
    return loaded


def _tally(con, tallies, table: str, column: str, issue: str, condition: str, value: str) -> None:
    cells, example = con.execute(
        f"SELECT count(*), any_value({value}) FROM _eousa_file WHERE {condition}"
    ).fetchone()
    if cells:
        entry = tallies.setdefault((table, column, issue), [0, example])
        entry[0] += cells
