"""Tiny EOUSA National Caseload Data disks in the real format, for tests.

A disk is a zip holding README.TXT (a file listing and `NAME NULL? TYPE (begin:end)` layouts) and
fixed-width latin-1 records ending in LF. Columns are given as (name, type, width) lists, so a test can
add, move or widen columns between "releases" the way EOUSA's layouts drift; positions are computed here,
independently of the connector's README parser.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

# (name, type, width): the needed columns plus a filler, in the 2018 order.
CASE = [("DISTRICT", "VARCHAR2(3)", 3), ("ID", "VARCHAR2(10)", 10), ("CLASS", "VARCHAR2(1)", 1),
        ("NAME", "VARCHAR2(50)", 50), ("RECVD_DATE", "DATE", 11), ("LEAD_CHARGE", "VARCHAR2(25)", 25),
        ("STATUS", "VARCHAR2(1)", 1)]
PROG = [("DISTRICT", "VARCHAR2(10)", 10), ("CASEID", "VARCHAR2(10)", 10), ("PROG_CAT", "VARCHAR2(3)", 3),
        ("ID", "NUMBER(10)", 10)]
COURT = [("DISTRICT", "VARCHAR2(10)", 10), ("CASEID", "VARCHAR2(10)", 10), ("ID", "NUMBER(10)", 10),
         ("COURT", "VARCHAR2(2)", 2), ("FILING_DATE", "DATE", 11)]
PART = [("DISTRICT", "VARCHAR2(10)", 10), ("CASEID", "VARCHAR2(10)", 10), ("ID", "NUMBER(10)", 10),
        ("TYPE", "VARCHAR2(1)", 1), ("ROLE", "VARCHAR2(2)", 2), ("DEFEND_NUM", "NUMBER(11)", 11),
        ("AGENCY", "VARCHAR2(4)", 4)]
LAYOUTS = {"GS_CASE": CASE, "GS_CASE_PROG_CAT": PROG, "GS_COURT_HIST": COURT, "GS_PARTICIPANT": PART}


def layout_text(table: str, columns) -> str:
    lines, pos = [f"{table} - {sum(w for _, _, w in columns)} Characters", "", "",
                  "Name               Null?      Type           Position"], 1
    for name, typ, width in columns:
        lines.append(f"{name:<18} {'':<10} {typ:<14} ({pos}:{pos + width - 1})")
        pos += width
    return "\n".join(lines)


def record(columns, values: dict) -> bytes:
    out = b""
    for name, _, width in columns:
        raw = values.get(name, "").encode("latin-1")
        assert len(raw) <= width
        out += raw + b" " * (width - len(raw))
    return out + b"\n"


def write_disk(path: Path, tables: dict[str, tuple[str, list, list[dict]]], *, readme_tables=None, title=None) -> Path:
    """tables: file name -> (LIONS table, columns, rows); readme_tables: which layouts the README gives."""
    bodies = {name: b"".join(record(cols, row) for row in rows) for name, (_, cols, rows) in tables.items()}
    layouts = {table: cols for table, cols, _ in tables.values()}
    given = layouts if readme_tables is None else {t: layouts[t] for t in readme_tables}
    listing = "\n".join(f"10/11/2018 10:46 AM {len(b):>24,} {n}" for n, b in bodies.items())
    readme = (f"{title or 'README.TXT FILES ' + path.name}\n\n\nFile Listing:\n\n\n{listing}\n\n\nTable Layouts:\n\n\n"
              + "\n\n\n".join(layout_text(t, c) for t, c in given.items()) + "\n")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.TXT", readme.encode("latin-1"))
        for name, body in bodies.items():
            zf.writestr(name, body)
    return path
