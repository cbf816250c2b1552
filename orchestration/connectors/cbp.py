"""CBP's encounter CSVs: Nationwide Encounters (by area of responsibility, by state) and Southwest
Land Border Encounters.

CBP re-exports these files from live systems and has renamed columns between releases, so the
header is checked by label (tolerating the drift seen so far) rather than trusted by position, and a
file that is empty, cut short or carries a non-numeric count fails as a whole: a silently shortened
or shifted release would restate months with wrong numbers.
"""

from __future__ import annotations

import csv
import functools
import re
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.connectors.calendar import fiscal_month
from orchestration.connectors.drupal import LinkedFileConfig, discover_linked_files
from orchestration.connectors.headers import locate_columns
from orchestration.connectors.release import Family, ParsedRelease, ParseError, RawColumn, ReleaseRef

COUNT = "encounter_count"

# Raw column -> (header labels accepted, description). The first label is the current one;
# `Citizenship` and `Citizenship Grouping` have been swapped between the files across releases.
_COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "fiscal_year": (("Fiscal Year",), "fiscal year as printed, e.g. 2023 or 2025 (FYTD)"),
    "month_grouping": (("Month Grouping",), "FYTD or Remaining"),
    "month_abbv": (("Month (abbv)",), "month as printed, e.g. APR"),
    "component": (("Component",), "U.S. Border Patrol or Office of Field Operations"),
    "land_border_region": (("Land Border Region",), "Southwest Land Border, Northern Land Border or Other"),
    "area_of_responsibility": (("Area of Responsibility",), "Border Patrol sector or OFO field office"),
    "aor_abbv": (("AOR (Abbv)",), "CBP's short name of the area of responsibility"),
    "state": (("State",), "two-letter state of the encounter"),
    "demographic": (("Demographic",), "e.g. Single Adults, FMUA, UC / Single Minors (later UAC)"),
    "citizenship": (("Citizenship", "Citizenship Grouping"), "country of citizenship, top countries or OTHER"),
    "citizenship_grouping": (("Citizenship Grouping", "Citizenship"), "citizenship collapsed to five groups"),
    "title_of_authority": (("Title of Authority",), "Title 8 or Title 42"),
    "encounter_type": (("Encounter Type",), "Apprehensions, Expulsions or Inadmissibles"),
    COUNT: (("Encounter Count",), "encounters, validated as an integer"),
}


class _CsvFormat:
    """One CBP CSV layout: its raw table, and a parser that holds files to it."""

    def __init__(self, table: str, columns: tuple[str, ...]):
        self.table = table
        self.columns = columns
        self.raw_columns = (
            RawColumn("source_row", "INTEGER", "1 = first data line of the file"),
            RawColumn("month", "DATE", "calendar month (first day) of Fiscal Year and Month (abbv)"),
            *(RawColumn(c, "BIGINT" if c == COUNT else "VARCHAR", _COLUMNS[c][1]) for c in columns),
        )

    def parse(self, path: Path, ref: ReleaseRef) -> ParsedRelease:
        positions = self._header_positions(path, ref)
        table = self._read(path, ref, positions)
        if table.num_rows == 0:
            raise ParseError(ref, "header only, no data rows")
        table = table.add_column(0, "source_row", pa.array(range(1, table.num_rows + 1), pa.int32()))
        table = table.set_column(
            table.schema.get_field_index(COUNT), COUNT, _integer_counts(table, ref)
        )
        months = _calendar_months(table, ref)
        labels = zip(table["fiscal_year"].to_pylist(), table["month_abbv"].to_pylist())
        month_column = [months[pair] for pair in labels]
        table = table.add_column(1, "month", pa.array(month_column, pa.date32()))
        return ParsedRelease(tables={self.table: table}, months=sorted(set(months.values())))

    def _header_positions(self, path: Path, ref: ReleaseRef) -> dict[str, int]:
        """Where each raw column sits in this file, after checking the header names them all."""
        with open(path, "rb") as fh:
            first = fh.readline()
            fh.seek(0, 2)
            if fh.tell() == 0:
                raise ParseError(ref, "empty file")
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]))
        except (UnicodeDecodeError, StopIteration, csv.Error) as exc:
            raise ParseError(ref, f"unreadable CSV header: {exc}") from exc
        return locate_columns(header, {c: _COLUMNS[c][0] for c in self.columns}, ref)

    def _read(self, path: Path, ref: ReleaseRef, positions: dict[str, int]) -> pa.Table:
        """Every field as text, in file order; DuckDB rejects rows with a wrong number of fields.

        That is what catches a file cut short: its last row lacks fields. A final line without a line
        ending is accepted, since many real exports end that way; downloads cut inside the last number
        are caught earlier, by the HTTP layer's Content-Length check.
        """
        file_columns = {f"c{i}": "VARCHAR" for i in range(len(positions))}
        select = ", ".join(f"c{positions[c]} AS {c}" for c in self.columns)
        con = duckdb.connect()
        try:
            return con.sql(
                f"SELECT {select} FROM read_csv($path, header = true, auto_detect = false, "
                "delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
                "columns = $columns)",
                params={"path": str(path), "columns": file_columns},
            ).to_arrow_table()
        except duckdb.Error as exc:
            raise ParseError(ref, f"malformed CSV: {_first_lines(str(exc))}") from exc
        finally:
            con.close()


def _first_lines(message: str) -> str:
    """DuckDB's CSV errors end in a page of generic advice; keep the line number and the fault."""
    head = message.split("Possible fixes:")[0]
    return re.sub(r"\s+", " ", head).strip()


def _integer_counts(table: pa.Table, ref: ReleaseRef) -> pa.Array:
    text = pc.utf8_trim_whitespace(table[COUNT])
    ok = pc.fill_null(pc.match_substring_regex(text, r"^[0-9]+$"), False)
    if not pc.all(ok).as_py():
        bad = pc.index(ok, False).as_py()
        value = table[COUNT][bad].as_py()
        problem = "is missing (a row cut short?)" if value is None else f"{value!r} is not an integer"
        raise ParseError(ref, f"row {bad + 1}: Encounter Count {problem}")
    try:
        return pc.cast(text, pa.int64())
    except pa.ArrowInvalid as exc:
        raise ParseError(ref, f"Encounter Count out of range: {exc}") from None


def _calendar_months(table: pa.Table, ref: ReleaseRef) -> dict[tuple[str, str], date]:
    """The calendar month of each (Fiscal Year, Month (abbv)) pair in the file; the first row with a
    label that is no month or year is named in the error."""
    pairs = (
        table.group_by(["fiscal_year", "month_abbv"])
        .aggregate([("source_row", "min")])
        .sort_by("source_row_min")
    )
    months = {}
    columns = ("fiscal_year", "month_abbv", "source_row_min")
    for fy, month, row in zip(*(pairs[c].to_pylist() for c in columns)):
        try:
            months[(fy, month)] = fiscal_month(fy or "", month or "")
        except ValueError as exc:
            raise ParseError(ref, f"row {row}: {exc}") from exc
    return months


AOR_FORMAT = _CsvFormat(
    "cbp_nationwide_aor",
    ("fiscal_year", "month_grouping", "month_abbv", "component", "land_border_region",
     "area_of_responsibility", "aor_abbv", "demographic", "citizenship", "title_of_authority",
     "encounter_type", COUNT),
)
STATE_FORMAT = _CsvFormat(
    "cbp_nationwide_state",
    ("fiscal_year", "month_grouping", "month_abbv", "land_border_region", "state", "demographic",
     "citizenship", "title_of_authority", COUNT),
)
SBO_FORMAT = _CsvFormat(
    "cbp_sbo",
    ("fiscal_year", "month_grouping", "month_abbv", "component", "demographic",
     "citizenship_grouping", "title_of_authority", "encounter_type", COUNT),
)


def _family(name: str, fmt: _CsvFormat) -> Family:
    return Family(
        name=name,
        raw_tables={fmt.table: fmt.raw_columns},
        discover=functools.partial(discover_linked_files, name),
        parse=fmt.parse,
        config=LinkedFileConfig,
    )


NATIONWIDE_AOR = _family("cbp-nationwide-aor", AOR_FORMAT)
NATIONWIDE_STATE = _family("cbp-nationwide-state", STATE_FORMAT)
SBO = _family("cbp-sbo", SBO_FORMAT)
