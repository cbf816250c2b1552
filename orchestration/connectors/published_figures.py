"""Figures TRAC printed in its reports, press releases and bulletins, from crowdout's curated CSV.

TRAC's free bulletins give national figures and district rankings; the figures the 2018 story rests on
(the five border districts' CBP-referred and non-immigration counts, Texas districts in late 2018,
fiscal-year totals) were printed only in TRAC's reports and releases. They are transcribed by hand, each
with the page it was read from, into `orchestration/published/trac_published_figures.csv`, a versioned
file that is loaded like any release (by sha256: an edit is a new release, the old one stays on record).
The file's columns are kept as written; the period is also read into its first and last month so the
warehouse can compare like with like.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pyarrow as pa

from orchestration.connectors.calendar import fiscal_to_calendar, month_number
from orchestration.connectors.headers import locate_columns
from orchestration.connectors.release import Family, FamilyConfig, ParsedRelease, ParseError, RawColumn, ReleaseRef, arrow_schema

FAMILY = "trac-published-figures"
TABLE = "trac_published_figures"
FOLDER = Path(__file__).resolve().parents[1] / "published"

_PCT = ("pct_chg_prev_month", "pct_chg_1yr", "pct_chg_5yr_incl_magistrate", "pct_chg_5yr_excl_magistrate")
RAW_COLUMNS = (
    RawColumn("source_row", "INTEGER", "line number in the CSV (header = 1)"),
    RawColumn("series", "VARCHAR", "what was counted, e.g. non_immigration_prosecutions"),
    RawColumn("geography", "VARCHAR", "as transcribed, e.g. '5 SW border districts', 'Texas South (Houston)'"),
    RawColumn("period", "VARCHAR", "as transcribed: 2018-03, FY2017, 2017-01..2017-04, FY2016 (Oct-May)"),
    RawColumn("period_start", "DATE", "first month of the period"),
    RawColumn("period_end", "DATE", "last month of the period"),
    RawColumn("value", "DOUBLE", "the figure as printed"),
    RawColumn("unit", "VARCHAR", "defendants, persons, percent, offenders"),
    *(RawColumn(c, "DOUBLE", f"{c.replace('_', ' ')} as printed; NULL if not printed") for c in _PCT),
    RawColumn("source_url", "VARCHAR", "the page the figure was read from"),
    RawColumn("note", "VARCHAR", "transcriber's note"),
)
_HEADER = {c.name: (c.name,) for c in RAW_COLUMNS if c.name not in ("source_row", "period_start", "period_end")}
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_FISCAL = re.compile(r"FY(\d{4})(?: \(([A-Za-z]{3})-([A-Za-z]{3})\))?")


class CuratedFileConfig(FamilyConfig):
    """[families.trac-published-figures] of releases.toml: the file's name in orchestration/published/."""

    file: str


def discover(cfg: CuratedFileConfig, base: str, session=None, *, months=None, live: bool = False) -> list[ReleaseRef]:
    """The one curated file, from the repository in sample and live mode alike (it is crowdout's own)."""
    path = FOLDER / cfg.file
    return [ReleaseRef(family=FAMILY, url=path.as_uri(), key=cfg.file)]


def parse(path: Path, ref: ReleaseRef) -> ParsedRelease:
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(ref, f"not UTF-8 text: {exc}") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ParseError(ref, "empty file")
    at = locate_columns(rows[0], _HEADER, ref)
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(rows[0]):
            raise ParseError(ref, f"line {line}: {len(row)} fields, the header has {len(rows[0])}")
        cells = {name: row[i].strip() for name, i in at.items()}
        start, end = _period(cells["period"], ref, line)
        out.append({
            "source_row": line,
            **{k: cells[k] for k in ("series", "geography", "period", "unit", "source_url", "note")},
            "period_start": start,
            "period_end": end,
            "value": _number(cells["value"], ref, line, "value", required=True),
            **{c: _number(cells[c], ref, line, c) for c in _PCT},
        })
    if not out:
        raise ParseError(ref, "a header but no figures")
    table = pa.Table.from_pylist(out, schema=arrow_schema(RAW_COLUMNS))
    # No months covered: the figures are scattered periods TRAC happened to print, not a monthly series,
    # so the gap check that a month-by-month release must pass would only ever warn here.
    return ParsedRelease(tables={TABLE: table}, months=[])


def _period(text: str, ref: ReleaseRef, line: int) -> tuple[date, date]:
    """First and last month of '2018-03', '2017-01..2017-04', 'FY2017' or 'FY2016 (Oct-May)'."""
    try:
        parts = text.split("..")
        if all(_MONTH.fullmatch(p) for p in parts) and len(parts) in (1, 2):
            months = [date(int(p[:4]), int(p[5:]), 1) for p in parts]
            if months[-1] < months[0]:
                raise ValueError("ends before it starts")
            return months[0], months[-1]
        m = _FISCAL.fullmatch(text)
        if m:
            fy = int(m.group(1))
            first = month_number(m.group(2)) if m.group(2) else 10
            last = month_number(m.group(3)) if m.group(3) else 9
            return fiscal_to_calendar(fy, first), fiscal_to_calendar(fy, last)
    except ValueError as exc:
        raise ParseError(ref, f"line {line}: period {text!r}: {exc}") from None
    raise ParseError(ref, f"line {line}: period {text!r} is not YYYY-MM, YYYY-MM..YYYY-MM or FYyyyy")


def _number(text: str, ref: ReleaseRef, line: int, column: str, *, required: bool = False) -> float | None:
    if not text:
        if required:
            raise ParseError(ref, f"line {line}: no {column}")
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise ParseError(ref, f"line {line}: {column} {text!r} is not a number") from None


PUBLISHED_FIGURES = Family(
    name=FAMILY, raw_tables={TABLE: RAW_COLUMNS}, discover=discover, parse=parse, config=CuratedFileConfig,
    periods=(TABLE, "period_start", "period_end"),
)
