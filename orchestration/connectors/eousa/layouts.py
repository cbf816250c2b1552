"""EOUSA's README files: the file listing and every table's fixed-width layout.

Layouts drift between releases, so nothing in the connector knows a column position: every disk's
README is parsed, and a layout that cannot be sliced safely is refused. READMEs have been written with
"GS_CASE - 366 Characters" headers (Sep FY2018); the word "Characters", the spacing and the case are not
relied on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

MODELLED_MARKER = "DATA BASIS: MODELLED"


@dataclass(frozen=True)
class Column:
    name: str
    not_null: bool
    type: str
    begin: int  # 1-based, inclusive, as the README prints it
    end: int


@dataclass(frozen=True)
class Layout:
    table: str
    width: int
    columns: Mapping[str, Column]

    @property
    def required(self) -> tuple[Column, ...]:
        """The NOT NULL columns: a record where one of them is blank is not a whole record."""
        return tuple(c for c in self.columns.values() if c.not_null)


@dataclass(frozen=True)
class Readme:
    title: str
    listing: Mapping[str, int]  # file name -> bytes, from "File Listing:"
    layouts: Mapping[str, Layout]
    is_modelled: bool


# "GS_CASE - 366 Characters", "GS_CASE - 366", "gs_case -366 characters", "GS_CASE  -  366 CHARACTERS"
_TABLE_HEADER = re.compile(r"^\s*(GS_[A-Z0-9_]+)\s*-\s*(\d+)(?:\s+Characters?)?\s*$", re.IGNORECASE)
# deportationdata/lions' pattern for a column line: NAME [NOT NULL] [TYPE] (begin:end)
_COLUMN = re.compile(
    r"^\s*([A-Z0-9_]+)\s+(NOT\s+NULL)?\s*([A-Z0-9_]+(?:\([^)]*\))?)?\s*\(\s*(\d+)\s*:\s*(\d+)\s*\)\s*$", re.IGNORECASE
)
_LISTING = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{4}\s+\d{1,2}:\d{2}\s*[AP]M\s+([\d,]+)\s+(\S+)\s*$", re.IGNORECASE)


def parse_readme(text: str, label: str) -> Readme:
    """A disk's README: its file listing and every table layout, checked for consistency.

    A layout whose columns overlap, run past the stated width, or leave its last character
    unaccounted for is refused: slicing by it would silently misread every record.
    """
    lines = text.splitlines()
    title = next((line.strip() for line in lines if line.strip()), None)
    if title is None:
        raise ValueError(f"{label}: the README is empty")
    listing: dict[str, int] = {}
    layouts: dict[str, Layout] = {}
    current: tuple[str, int] | None = None
    columns: dict[str, Column] = {}

    def close() -> None:
        if current is None:
            return
        table, width = current
        if not columns:
            raise ValueError(f"{label}: layout of {table} lists no columns")
        spans = sorted(columns.values(), key=lambda c: c.begin)
        for before, after in zip(spans, spans[1:]):
            if after.begin <= before.end:
                raise ValueError(f"{label}: {table} columns {before.name} and {after.name} overlap")
        if spans[-1].end != width:
            raise ValueError(
                f"{label}: {table} is {width} characters but its last column ends at {spans[-1].end}"
            )
        layouts[table] = Layout(table, width, dict(columns))

    for number, line in enumerate(lines, start=1):
        if (m := _LISTING.match(line)) and current is None:
            listing[m.group(2)] = int(m.group(1).replace(",", ""))
        elif m := _TABLE_HEADER.match(line):
            close()
            current, columns = (m.group(1).upper(), int(m.group(2))), {}
        elif current is not None and (m := _COLUMN.match(line)):
            name, begin, end = m.group(1).upper(), int(m.group(4)), int(m.group(5))
            if not 1 <= begin <= end <= current[1]:
                raise ValueError(f"{label}: line {number}: {name} ({begin}:{end}) outside a {current[1]}-character record")
            if name in columns:
                raise ValueError(f"{label}: line {number}: {current[0]} lists {name} twice")
            columns[name] = Column(name, bool(m.group(2)), (m.group(3) or "").upper(), begin, end)
    close()
    return Readme(
        title=title, listing=listing, layouts=layouts,
        is_modelled=any(line.strip().upper().startswith(MODELLED_MARKER) for line in lines[:10]),
    )


def table_of(file_name: str, layouts: Mapping[str, Layout], known: Mapping) -> str | None:
    """The LIONS table a file holds: gs_case.txt -> GS_CASE; gs_participant_AZ.txt -> GS_PARTICIPANT
    (files split by district carry a suffix). The longest layout name that fits wins, so GS_CASE
    never claims gs_case_prog_cat.txt. A file with no layout is named only if it is in `known`."""
    stem = Path(file_name).stem.upper()
    if Path(file_name).suffix.lower() != ".txt" or not stem.startswith("GS_"):
        return None
    candidates = [t for t in layouts if stem == t or re.fullmatch(re.escape(t) + r"_[A-Z]{1,3}", stem)]
    if candidates:
        return max(candidates, key=len)
    return stem if stem in known else None
