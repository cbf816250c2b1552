"""The release's own code tables: what each program category, agency, court, role and class code means.

The counts must not trust a code learnt once (`055` = immigration): each release carries its code
lists on its last disk, and dbt resolves the codes it relies on from them by description
(`dbt_project/seeds/ncd_code_uses.csv`). Two real formats [seen: associatedpress/national-caseload-data-
ingest, ncd/global_file.py and ncd/lookup_table.py; bgaudiosi/federal-prosecutors skips `rows` lines]:
- `global_LIONS.txt` stacks many tables, each a bare `GS_NAME` line, a blank line, a CamelCase header
  row, a row of hyphens whose runs mark the column spans, then the data rows;
- `table_gs_<x>.txt` holds one table: a few metadata lines naming it (`GS_X`), a blank line, the header,
  the hyphens and the rows, then a `(n rows affected)` line.
Only the code and description columns are kept (the header cell `Code`, or one ending in `Code`; the
one starting `Desc`), with the district where a table is kept per district.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CODE_COLUMNS = ("code_table", "district", "code", "description")
_NAME = re.compile(r"(?:^|\s)(GS_[A-Z0-9_]+)\b", re.IGNORECASE)
_RULE = re.compile(r"^[\s-]*-[\s-]*$")
_ROWS_LINE = re.compile(r"^\s*\(?\s*\d+\s+rows?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Code:
    code_table: str
    district: str | None
    code: str
    description: str


def is_code_file(name: str) -> bool:
    """global_LIONS.txt, table_gs_<x>.txt (any case)."""
    low = Path(name).name.lower()
    return low == "global_lions.txt" or (low.startswith("table_gs_") and low.endswith(".txt"))


def parse_code_file(text: str) -> list[Code]:
    """Every code of every table in one code file. A table whose header has no code or no description
    column is not a code list and is skipped."""
    lines = text.replace("\r", "").split("\n")
    codes: list[Code] = []
    name: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if _RULE.match(line) and i > 0 and lines[i - 1].strip() and name:
            header, spans = lines[i - 1], [m.span() for m in re.finditer(r"-+", line)]
            spans[-1] = (spans[-1][0], None)  # the last column runs to the end of its line
            cells = [_cut(header, s).lower() for s in spans]
            code_at = _pick(cells, lambda c: c == "code") or _pick(cells, lambda c: c.endswith("code"))
            desc_at = _pick(cells, lambda c: c.startswith("desc"))
            district_at = _pick(cells, lambda c: c == "district")
            i += 1
            while i < len(lines) and lines[i].strip() and not _ROWS_LINE.match(lines[i]):
                row = lines[i]
                if code_at is not None and desc_at is not None and _cut(row, spans[code_at]):
                    district = _cut(row, spans[district_at]) if district_at is not None else None
                    codes.append(Code(name, district or None, _cut(row, spans[code_at]), _cut(row, spans[desc_at])))
                i += 1
            name = None
            continue
        if (m := _NAME.search(line)) and not _RULE.match(line):
            name = m.group(1).upper()
        i += 1
    return codes


def _cut(row: str, span: tuple[int, int | None]) -> str:
    return row[span[0]:span[1]].strip()


def _pick(cells: list[str], test) -> int | None:
    return next((n for n, c in enumerate(cells) if test(c)), None)
