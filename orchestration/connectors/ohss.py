"""DHS OHSS's "CBP Encounters (USBP)" workbook: Border Patrol encounters by month and sector since FY2000.

Only the `Monthly Sector` sheet is read: it is the one series that reaches back before CBP's own
CSVs (FY2020 on), so it carries the 2017-2019 sector counts. The workbook is rebuilt by hand each
month, so the sheet, its header and every cell are checked, and anything unexpected names the
spreadsheet row a human should open.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from orchestration.connectors import workbook as xlsx_bounds
from orchestration.connectors.calendar import fiscal_month
from orchestration.connectors.drupal import LinkedFileConfig, discover_linked_files
from orchestration.connectors.headers import locate_columns
from orchestration.connectors.release import Family, ParsedRelease, ParseError, RawColumn, ReleaseRef, arrow_schema

SHEET = "Monthly Sector"
TABLE = "ohss_usbp_monthly_sector"
FAMILY = "ohss-usbp"

_HEADER = {
    "fiscal_year": ("Fiscal Year",),
    "month_label": ("Month",),
    "sector": ("Sector",),
    "quantity": ("Quantity",),
}
RAW_COLUMNS = (
    RawColumn("source_row", "INTEGER", "spreadsheet row number in the Monthly Sector sheet"),
    RawColumn("month", "DATE", "calendar month (first day) of Fiscal Year and Month"),
    RawColumn("fiscal_year", "INTEGER", "federal fiscal year (October to September)"),
    RawColumn("month_label", "VARCHAR", "month as printed, fiscal order first: 06 March"),
    RawColumn("sector", "VARCHAR", "Border Patrol sector as printed: Rio Grande Valley, TX"),
    RawColumn("quantity", "BIGINT", "encounters, rounded by OHSS to the nearest 10"),
)
_SCHEMA = arrow_schema(RAW_COLUMNS)
# The real fy25m11 workbook unpacks to 12 MB and its Monthly Sector sheet spans 5,831 x 4 cells; these
# leave room for decades of growth while keeping calamine's grid (about 32 bytes a cell) near 32 MB.
LIMITS = xlsx_bounds.Limits(max_bytes=100 << 20, max_cells=1_000_000)


def parse(path: Path, ref: ReleaseRef) -> ParsedRelease:
    rows = _sheet_rows(path, ref)
    if not rows:
        raise ParseError(ref, f"sheet {SHEET!r} is empty")
    header = list(rows[0])
    while header and header[-1] in ("", None):
        header.pop()
    at = locate_columns(header, _HEADER, ref, what=f"header in sheet {SHEET!r}")
    out: dict[str, list] = {c.name: [] for c in RAW_COLUMNS}
    months: set[date] = set()
    for index, row in enumerate(rows[1:], start=2):
        if all(cell in ("", None) for cell in row):
            continue
        cells = {name: row[i] if i < len(row) else "" for name, i in at.items()}
        fy = _whole_number(cells["fiscal_year"], "Fiscal Year", index, ref)
        label, sector = str(cells["month_label"]).strip(), str(cells["sector"]).strip()
        if not sector:
            raise ParseError(ref, f"row {index}: empty Sector")
        try:
            month = fiscal_month(fy, label)
        except ValueError as exc:
            raise ParseError(ref, f"row {index}: {exc}") from exc
        months.add(month)
        out["source_row"].append(index)
        out["month"].append(month)
        out["fiscal_year"].append(fy)
        out["month_label"].append(label)
        out["sector"].append(sector)
        out["quantity"].append(_whole_number(cells["quantity"], "Quantity", index, ref))
    if not out["source_row"]:
        raise ParseError(ref, f"sheet {SHEET!r} has a header but no data rows")
    try:
        table = pa.table(out, schema=_SCHEMA)
    except (OverflowError, pa.ArrowInvalid) as exc:  # a quantity too large for BIGINT
        raise ParseError(ref, f"a figure out of range: {exc}") from None
    return ParsedRelease(tables={TABLE: table}, months=sorted(months))


def _sheet_rows(path: Path, ref: ReleaseRef) -> list[list]:
    """The sheet's cells from A1 (not from the first used cell), so list index + 1 is the row number;
    only once the workbook is known to be small enough to open (`xlsx_bounds.check`)."""
    xlsx_bounds.check(path, SHEET, ref, LIMITS)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if SHEET not in workbook.sheet_names:
            present = ", ".join(repr(s) for s in workbook.sheet_names)
            raise ParseError(ref, f"no sheet {SHEET!r} in the workbook; sheets present: {present}")
        return workbook.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    except CalamineError as exc:
        raise ParseError(ref, f"not a readable xlsx workbook ({type(exc).__name__}: {exc})") from exc


def _whole_number(value: object, label: str, row: int, ref: ReleaseRef) -> int:
    """Excel stores every number as a float; accept 770.0 and "770", refuse 770.5, -10, "n/a" and blanks."""
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ParseError(ref, f"row {row}: {label} {value!r} is not a whole number")


USBP = Family(
    name=FAMILY,
    raw_tables={TABLE: RAW_COLUMNS},
    discover=functools.partial(discover_linked_files, FAMILY),
    parse=parse,
    config=LinkedFileConfig,
)
