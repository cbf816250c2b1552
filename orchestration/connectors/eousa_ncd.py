"""EOUSA's National Caseload Data (LIONS): a cumulative dump of the U.S. Attorneys' case database.

One release is a set of zips ("disks"), each holding a README that lists its files and gives every
table's fixed-width layout, and the tables themselves: latin-1 text, one space-padded record a line.
Layouts drift between releases, so nothing here knows a column position: every README is parsed and
the columns the counts need are found by name. A dump is about 20 GB, so it is never held in memory:
each needed table file is streamed out of its zip to a temp file (carriage returns blanked on the
way, since stray CR bytes sit inside fields) and DuckDB slices the needed columns from it straight
into the raw tables, inside the loader's transaction.

Landing: every disk zip lands content-addressed like any release file; the release itself lands as
a small JSON manifest naming its disks by sha256 and size, so a release's identity is its set of
disks. Zips are large, so only the disks of the newest `keep_dumps` releases are kept (releases.toml);
manifests, the loaded columns and each zip's sha256 and size (raw.eousa_ncd_disks) are kept forever.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit

import duckdb
import lxml.html
import pyarrow as pa
import requests

from orchestration.connectors import http, landing
from orchestration.connectors.release import (
    Family,
    ParsedRelease,
    ParseError,
    RawColumn,
    ReleaseRef,
    StreamedLoad,
    arrow_schema,
)

FAMILY = "eousa-ncd"
MANIFEST_FORMAT = "crowdout eousa-ncd release manifest 1"
MODELLED_MARKER = "DATA BASIS: MODELLED"
_CHUNK = 1 << 20
# DuckDB's memory while streaming a release (see load_into); benchmarks/README.md has the peak it gives.
LOAD_MEMORY_LIMIT = "1GB"

# What the counts need, by LIONS table: the raw table it fills and the README columns loaded.
NEEDED: dict[str, tuple[str, tuple[str, ...]]] = {
    "GS_CASE": ("eousa_ncd_case", ("DISTRICT", "ID", "CLASS", "RECVD_DATE", "LEAD_CHARGE", "STATUS")),
    "GS_CASE_PROG_CAT": ("eousa_ncd_case_prog_cat", ("DISTRICT", "CASEID", "PROG_CAT", "ID")),
    "GS_COURT_HIST": ("eousa_ncd_court_hist", ("DISTRICT", "CASEID", "ID", "COURT", "FILING_DATE")),
    "GS_PARTICIPANT": (
        "eousa_ncd_participant", ("DISTRICT", "CASEID", "ID", "TYPE", "ROLE", "DEFEND_NUM", "AGENCY"),
    ),
}
_DESCRIPTIONS = {
    "DISTRICT": "USAO district code as in the file (AZ, CAS, TXS, ...)",
    "ID": "the row's LIONS id (in GS_CASE: the case id)",
    "CASEID": "the case id; (district, caseid) is the case key",
    "CLASS": "R = criminal, V = civil",
    "RECVD_DATE": "date the USAO received the matter",
    "LEAD_CHARGE": "lead charge, e.g. 08 :01326(a)",
    "STATUS": "case status code",
    "PROG_CAT": "program category (055 = immigration); several per case possible",
    "COURT": "court code: DC district, MG magistrate, ...",
    "FILING_DATE": "date the proceeding was filed in that court",
    "TYPE": "participant type (A = agency)",
    "ROLE": "participant role: IN investigative agency, D defendant, D*/* sealed",
    "DEFEND_NUM": "defendant number within the case",
    "AGENCY": "agency code (HSCB = Customs and Border Protection)",
}
_DATE_TYPE = "DATE"
# A date outside these years is a keying error (the files hold 11-MAR-0024): NULL, and counted.
PLAUSIBLE_YEARS = (1900, 2099)

_PROVENANCE = (
    RawColumn("disk", "VARCHAR", "the disk (zip) the row came from, e.g. DISK09.ZIP"),
    RawColumn("source_file", "VARCHAR", "the table file inside the zip, e.g. gs_participant_AZ.txt"),
)


def _loaded_columns(table: str) -> tuple[RawColumn, ...]:
    _, names = NEEDED[table]
    return _PROVENANCE + tuple(
        RawColumn(n.lower(), _DATE_TYPE if n.endswith("_DATE") else "VARCHAR",
                  f"{table}.{n}: {_DESCRIPTIONS[n]}; trimmed text, `*` (redacted) and blank as NULL")
        for n in names
    )


DISK_COLUMNS = (
    RawColumn("disk", "VARCHAR", "the zip's file name, e.g. DISK01.ZIP"),
    RawColumn("sha256", "VARCHAR", "sha256 of the zip as downloaded"),
    RawColumn("bytes", "BIGINT", "size of the zip in bytes"),
    RawColumn("readme_title", "VARCHAR", "the README's first line, e.g. README.TXT FILES DISK01.ZIP"),
    RawColumn("is_modelled", "BOOLEAN", "true when the README declares the disk a modelled sample"),
)
FILE_COLUMNS = (
    RawColumn("disk", "VARCHAR", "the zip the file is in"),
    RawColumn("source_file", "VARCHAR", "the table file loaded"),
    RawColumn("table_name", "VARCHAR", "the LIONS table it holds (GS_CASE, GS_PARTICIPANT, ...)"),
    RawColumn("record_width", "INTEGER", "record width in characters, from the README"),
    RawColumn("records", "BIGINT", "records read"),
)
QUALITY_COLUMNS = (
    RawColumn("table_name", "VARCHAR", "the LIONS table"),
    RawColumn("column_name", "VARCHAR", "the README column"),
    RawColumn("issue", "VARCHAR", "redacted (the cell is `*`) or bad_date (unreadable or year outside 1900-2099)"),
    RawColumn("cells", "BIGINT", "cells set to NULL for this issue, over the whole release"),
    RawColumn("example", "VARCHAR", "one offending value as in the file"),
)
RAW_TABLES = {
    "eousa_ncd_disks": DISK_COLUMNS,
    "eousa_ncd_files": FILE_COLUMNS,
    "eousa_ncd_quality": QUALITY_COLUMNS,
    **{raw: _loaded_columns(table) for table, (raw, _) in NEEDED.items()},
}


# ---------------------------------------------------------------- README layouts


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


@dataclass(frozen=True)
class Readme:
    title: str
    listing: Mapping[str, int]  # file name -> bytes, from "File Listing:"
    layouts: Mapping[str, Layout]
    is_modelled: bool


_TABLE_HEADER = re.compile(r"^\s*(GS_[A-Z0-9_]+)\s+-\s+(\d+)\s+Characters\s*$", re.IGNORECASE)
# deportationdata/lions' pattern for a column line: NAME [NOT NULL] [TYPE] (begin:end)
_COLUMN = re.compile(r"^\s*([A-Z0-9_]+)\s+(NOT NULL)?\s*([A-Z0-9_]+(?:\([^)]*\))?)?\s*\((\d+):(\d+)\)\s*$")
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
            name, begin, end = m.group(1), int(m.group(4)), int(m.group(5))
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


def table_of(file_name: str, layouts: Mapping[str, Layout]) -> str | None:
    """The LIONS table a file holds: gs_case.txt -> GS_CASE; gs_participant_AZ.txt -> GS_PARTICIPANT
    (files split by district carry a suffix). The longest layout name that fits wins, so GS_CASE
    never claims gs_case_prog_cat.txt."""
    stem = Path(file_name).stem.upper()
    if Path(file_name).suffix.lower() != ".txt" or not stem.startswith("GS_"):
        return None
    candidates = [t for t in layouts if stem == t or re.fullmatch(re.escape(t) + r"_[A-Z]{1,3}", stem)]
    if candidates:
        return max(candidates, key=len)
    return stem if stem in NEEDED else None


# ---------------------------------------------------------------- release plan (parse)


@dataclass(frozen=True)
class Disk:
    name: str
    sha256: str
    bytes: int
    path: Path


@dataclass(frozen=True)
class TableFile:
    disk: Disk
    member: str
    layout: Layout
    listed_bytes: int | None  # the size the README's file listing gives, if it lists the file


def _manifest_disks(path: Path, ref: ReleaseRef) -> list[Disk]:
    """The disks a landed manifest names, found in the landing folder (the manifest's grandparents)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"not a {MANIFEST_FORMAT}")
        entries = manifest["disks"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ParseError(ref, f"release manifest {path.name} unreadable: {exc}") from None
    family_dir = path.parents[2]
    disks = []
    for entry in entries:
        zpath = family_dir / entry["sha256"][:2] / entry["sha256"] / entry["name"]
        if not zpath.exists():
            raise ParseError(
                ref, f"{entry['name']}: its zip is no longer in the landing folder (removed by the keep_dumps "
                f"retention, or by hand); fetch the release again to reload it",
            )
        disks.append(Disk(entry["name"], entry["sha256"], int(entry["bytes"]), zpath))
    if not disks:
        raise ParseError(ref, "release manifest lists no disks")
    return disks


def _read_readme(disk: Disk, zf: zipfile.ZipFile, ref: ReleaseRef) -> Readme:
    names = [n for n in zf.namelist() if Path(n).name.upper() == "README.TXT"]
    if not names:
        raise ParseError(ref, f"{disk.name}: no README.TXT in the zip, so its layouts are unknown")
    try:
        text = zf.read(names[0]).decode("latin-1")
        return parse_readme(text, f"{disk.name} {names[0]}")
    except (ValueError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ParseError(ref, f"{disk.name}: README cannot be read: {exc}") from None


def _open_zip(disk: Disk, ref: ReleaseRef) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(disk.path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(ref, f"{disk.name}: not a readable zip ({exc}); the disk is truncated or damaged") from None


def plan(path: Path, ref: ReleaseRef) -> tuple[list[Disk], list[Readme], list[TableFile]]:
    """Every disk's README read, and the needed table files matched to their layouts.

    Fails, naming the release and the disk, when a README is unreadable, a disk holds a needed table
    without its layout, a layout lacks a needed column or has changed a date column's type, or no disk
    holds a needed table at all.
    """
    disks = _manifest_disks(path, ref)
    readmes, files = [], []
    for disk in disks:
        with _open_zip(disk, ref) as zf:
            readme = _read_readme(disk, zf, ref)
            readmes.append(readme)
            for member in sorted(zf.namelist()):
                table = table_of(Path(member).name, readme.layouts)
                if table not in NEEDED:
                    continue
                layout = readme.layouts.get(table)
                if layout is None:
                    raise ParseError(ref, f"{disk.name}: holds {member} but its README has no {table} layout")
                _check_layout(layout, disk, ref)
                files.append(TableFile(disk, member, layout, readme.listing.get(Path(member).name)))
    missing = sorted(set(NEEDED) - {f.layout.table for f in files})
    if missing:
        raise ParseError(ref, f"no disk holds {', '.join(missing)} (disks: {', '.join(d.name for d in disks)})")
    return disks, readmes, files


def _check_layout(layout: Layout, disk: Disk, ref: ReleaseRef) -> None:
    _, names = NEEDED[layout.table]
    absent = [n for n in names if n not in layout.columns]
    if absent:
        raise ParseError(ref, f"{disk.name}: README layout of {layout.table} lacks {', '.join(absent)}")
    for name in names:
        declared_date = name.endswith("_DATE")
        if declared_date != (layout.columns[name].type == _DATE_TYPE):
            raise ParseError(
                ref, f"{disk.name}: {layout.table}.{name} is {layout.columns[name].type or 'untyped'} in the README"
            )


def parse(path: Path, ref: ReleaseRef) -> ParsedRelease:
    """Checks every README before any row is loaded, and yields the small disk table; the big tables
    are streamed by `load_into` inside the loader's transaction."""
    disks, readmes, _ = plan(path, ref)
    table = pa.table(
        {
            "disk": [d.name for d in disks],
            "sha256": [d.sha256 for d in disks],
            "bytes": [d.bytes for d in disks],
            "readme_title": [r.title for r in readmes],
            "is_modelled": [r.is_modelled for r in readmes],
        },
        schema=arrow_schema(DISK_COLUMNS),
    )
    return ParsedRelease(tables={"eousa_ncd_disks": table}, modelled=any(r.is_modelled for r in readmes))


# ---------------------------------------------------------------- streaming load


def load_into(con: duckdb.DuckDBPyConnection, path: Path, ref: ReleaseRef, release_id: str) -> StreamedLoad:
    """Stream every needed table file into its raw table over `con` (the caller holds the transaction).

    Each file goes zip -> temp file (CR bytes blanked) -> DuckDB, so memory holds a chunk, never a
    disk. Redactions and bad dates become NULL and are tallied into raw.eousa_ncd_quality.
    Returns rows loaded per raw table, and the months the release's court filings fall in (the months
    its counts can date a case by), so a later dump that lost a year is caught by the months check.
    """
    _, _, files = plan(path, ref)
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
    try:
        for file in files:
            text = _extract(file, work, ref)
            try:
                n = _load_file(con, file, text, release_id, ref, tallies)
            finally:
                text.unlink()
            raw_table = NEEDED[file.layout.table][0]
            rows[raw_table] = rows.get(raw_table, 0) + n
            con.execute(
                "INSERT INTO raw.eousa_ncd_files VALUES (?, ?, ?, ?, ?, ?)",
                [release_id, file.disk.name, Path(file.member).name, file.layout.table, file.layout.width, n],
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for name, value in saved.items():
            con.execute(f"SET {name} = '{value}'")
    for (table, column, issue), (cells, example) in sorted(tallies.items()):
        con.execute("INSERT INTO raw.eousa_ncd_quality VALUES (?, ?, ?, ?, ?, ?)",
                    [release_id, table, column, issue, cells, example])
    rows["eousa_ncd_files"] = len(files)
    rows["eousa_ncd_quality"] = len(tallies)
    months = [m for (m,) in con.execute(
        "SELECT DISTINCT CAST(date_trunc('month', filing_date) AS DATE) FROM raw.eousa_ncd_court_hist "
        "WHERE release_id = ? AND filing_date IS NOT NULL ORDER BY 1", [release_id]).fetchall()]
    return StreamedLoad(rows, months)


def _extract(file: TableFile, work: Path, ref: ReleaseRef) -> Path:
    """Copy one member out of its zip in chunks, CR bytes turned to spaces (one byte for one, so
    positions hold), and check its size against the README's listing."""
    out = work / Path(file.member).name
    size = 0
    try:
        with zipfile.ZipFile(file.disk.path) as zf, zf.open(file.member) as src, open(out, "wb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk.replace(b"\r", b" "))
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ParseError(
            ref, f"{file.disk.name}: {file.member} cannot be read ({exc}); the disk is truncated or damaged"
        ) from None
    if file.listed_bytes is not None and size != file.listed_bytes:
        raise ParseError(
            ref, f"{file.disk.name}: {file.member} is {size:,} bytes but its README lists {file.listed_bytes:,}; "
            "the file is truncated or was changed after the README was written",
        )
    return out


def _field(column: Column) -> str:
    return f"nullif(trim(substr(line, {column.begin}, {column.end - column.begin + 1})), '')"


def _load_file(con, file: TableFile, text: Path, release_id: str, ref: ReleaseRef, tallies) -> int:
    layout = file.layout
    raw_table, names = NEEDED[layout.table]
    cols = [layout.columns[n] for n in names]
    label = f"{file.disk.name}: {file.member}"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _eousa_file AS
            SELECT length(line) AS _width, {', '.join(f'{_field(c)} AS "{c.name}"' for c in cols)}
            FROM read_csv(?, columns = {{'line': 'VARCHAR'}}, header = false, delim = '\x1f', quote = '',
                          escape = '', new_line = '\\n', encoding = 'latin-1', auto_detect = false)""",
        [str(text)],
    )
    records, bad_width, example = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE _width IS DISTINCT FROM {layout.width}), "
        f"any_value(_width) FILTER (WHERE _width IS DISTINCT FROM {layout.width}) FROM _eousa_file"
    ).fetchone()
    if bad_width:
        raise ParseError(
            ref, f"{label}: {bad_width} of {records} records are not {layout.width} characters wide as the "
            f"README says (one is {example}): the layout changed or the file is damaged",
        )
    lo, hi = PLAUSIBLE_YEARS
    values = []
    for c in cols:
        q = f'"{c.name}"'
        if c.type == _DATE_TYPE:
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
    con.execute("DROP TABLE _eousa_file")
    return records


def _tally(con, tallies, table: str, column: str, issue: str, condition: str, value: str) -> None:
    cells, example = con.execute(
        f"SELECT count(*), any_value({value}) FROM _eousa_file WHERE {condition}"
    ).fetchone()
    if cells:
        entry = tallies.setdefault((table, column, issue), [0, example])
        entry[0] += cells


# ---------------------------------------------------------------- discovery and fetching


def _anchors(html: str, page_url: str, base: str, text_pattern: str) -> list[tuple[str, str, bool]]:
    """(absolute url, link text, modelled flag) of the links whose visible text matches."""
    if not html.strip():
        return []
    regex = re.compile(text_pattern)
    found, seen = [], set()
    for anchor in lxml.html.fromstring(html).iter("a"):
        href = (anchor.get("href") or "").strip()
        text = " ".join(anchor.text_content().split())
        if not href or not regex.search(text):
            continue
        url = http.resolve_link(href, page_url, base)
        if url and url not in seen:
            seen.add(url)
            found.append((url, text, anchor.get("data-basis") == "modelled"))
    return found


_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}


def discover(cfg: Mapping, base: str, session: requests.Session, *, months=None, live: bool = False) -> list[ReleaseRef]:
    """The newest `fetch_latest` dumps the index page offers, oldest first.

    A dump is the whole database at a month's end, so the newest restates every older month; older
    dumps matter only as revision history. `months` does not narrow anything: any dump covers all.
    """
    index_url = cfg["index_url"].format(base=base)
    label = f"{FAMILY} index {index_url}"
    links = _anchors(http.get_page(session, index_url, label), index_url, base, cfg["release_link_text"])
    if not links:
        raise ParseError(label, f"no link whose text matches {cfg['release_link_text']!r}")
    refs = []
    for url, text, modelled in links:
        m = re.search(r"([A-Za-z]+)\s+(\d{4})", text)
        if fiscal := re.search(r"(?i)\bFY\s*(\d{4})", text):  # a fiscal-year dump: as of 30 September
            month, key = f"{fiscal.group(1)}-09", f"{fiscal.group(1)}-09-fy"
        elif m and m.group(1).lower() in _MONTHS:
            month = key = f"{m.group(2)}-{_MONTHS[m.group(1).lower()]:02d}"
        else:
            raise ParseError(label, f"release link {text!r} names no month")
        refs.append(ReleaseRef(FAMILY, url, key, {"month": month, "link_text": text, "base": base}, modelled))
    refs.sort(key=lambda r: r.key)
    return refs[-int(cfg.get("fetch_latest", 1)):]


def _disk_sources(session, ref: ReleaseRef, cfg: Mapping, base_url: str) -> list[tuple[str, str]]:
    """(name, url or local path) of each disk: links on a release page, or the zips and
    unpacked disk folders in a local directory (`crowdout ingest eousa-ncd DIR`)."""
    parts = urlsplit(ref.url)
    local = Path(unquote(parts.path)) if parts.scheme == "file" else None
    if local is not None and local.is_dir() and not (local / "index.html").exists():
        entries = sorted(p for p in local.iterdir()
                         if (p.is_file() and p.suffix.lower() == ".zip")
                         or (p.is_dir() and any(q.name.upper() == "README.TXT" for q in p.iterdir())))
        if not entries:
            raise ParseError(ref, f"{local} holds no disk zips and no unpacked disk folders")
        return [(p.name if p.is_file() else p.name + ".zip", str(p)) for p in entries]
    html = http.get_page(session, ref.url, ref)
    links = _anchors(html, ref.url, base_url, cfg["disk_link_text"])
    if not links:
        raise ParseError(ref, f"the release page has no link whose text matches {cfg['disk_link_text']!r}")
    return [(_disk_name(url, text), url) for url, text, _ in links]


def _disk_name(url: str, text: str) -> str:
    """The zip's name in its URL, or (DOJ serves files as .../file/<n>/download) one from the link
    text: "September 2019 Disk 1 (zip)" -> DISK01.ZIP."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    if name.lower().endswith(".zip"):
        return name
    m = re.search(r"(?i)disk\s*0*(\d+)", text)
    if not m:
        raise ParseError(url, f"cannot name the disk behind link {text!r}")
    return f"DISK{int(m.group(1)):02d}.ZIP"


def _zip_folder(folder: Path, out: Path) -> None:
    """An unpacked disk is landed as the zip it came from would be (stored, not recompressed)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for item in sorted(folder.iterdir()):
            if item.is_file():
                zf.write(item, item.name)


def fetch(
    session: requests.Session, ref: ReleaseRef, dest_dir: Path, *, http_cfg: Mapping, family_cfg: Mapping
) -> http.Download:
    """Download (resumably) and land every disk of a release; hand back its manifest as the release file.

    A dump is a month-end snapshot, so a disk landed by an earlier run of the same release (its
    `_partial/<key>/<disk>.landed.json` marker, kept) and still in the landing folder is not fetched
    again: a refresh that finds the same dump costs one page, not 20 GB. After landing, zips that no
    manifest among the newest `keep_dumps` needs are deleted (see module docstring).
    """
    base_url = ref.params.get("base") or f"{urlsplit(ref.url).scheme}://{urlsplit(ref.url).netloc}"
    sources = _disk_sources(session, ref, family_cfg, base_url)
    partial = dest_dir / "_partial" / re.sub(r"[^A-Za-z0-9._-]+", "_", ref.key)
    partial.mkdir(parents=True, exist_ok=True)
    cfg = {**http_cfg, "max_bytes": int(family_cfg["max_disk_bytes"])}
    entries = []
    for name, source in sources:
        marker = partial / f"{name}.landed.json"
        if marker.exists():
            done = json.loads(marker.read_text(encoding="utf-8"))
            landed_path = dest_dir / done["sha256"][:2] / done["sha256"] / name
            if landed_path.exists() and landed_path.stat().st_size == done["bytes"]:
                entries.append({"name": name, "sha256": done["sha256"], "bytes": done["bytes"]})
                continue
        part = partial / f"{name}.part"
        if Path(source).is_dir():
            _zip_folder(Path(source), part)
        elif Path(source).is_file():
            shutil.copyfile(source, part)
        else:
            http.download_resumable(
                session, source, part, f"{ref} {name}", http_cfg=cfg,
                expected_content_types=family_cfg.get("content_types"),
            )
        landed = landing.land(part, dest_dir.parent, dest_dir.name, name)
        marker.write_text(json.dumps({"sha256": landed.sha256, "bytes": landed.bytes}), encoding="utf-8")
        entries.append({"name": name, "sha256": landed.sha256, "bytes": landed.bytes})
    body = json.dumps({"format": MANIFEST_FORMAT, "disks": entries}, indent=1, sort_keys=True).encode()
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".manifest-", suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    prune(dest_dir, keep=int(family_cfg["keep_dumps"]), current={e["sha256"] for e in entries})
    return http.Download(
        url=ref.url, status="downloaded", path=Path(tmp), sha256=hashlib.sha256(body).hexdigest(),
        bytes=len(body), etag=None, last_modified=None, content_type="application/json", http_status=200,
    )


def prune(family_dir: Path, *, keep: int, current: set[str]) -> list[Path]:
    """Delete disk zips that neither the release being fetched nor the newest `keep - 1` landed
    manifests name. Manifests are never deleted, so each dump's disks stay known by sha256 and size.
    Returns the zips deleted."""
    manifests = []
    for path in family_dir.glob("??/*/*"):
        if path.is_file() and not path.name.lower().endswith(".zip"):
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(body, dict) and body.get("format") == MANIFEST_FORMAT:
                manifests.append((path.stat().st_mtime, {d["sha256"] for d in body["disks"]}))
    manifests.sort(key=lambda m: m[0], reverse=True)
    wanted = set(current)
    for _, shas in [m for m in manifests if m[1] != current][: max(keep - 1, 0)]:
        wanted |= shas
    deleted = []
    for zpath in family_dir.glob("??/*/*"):
        if zpath.is_file() and zpath.name.lower().endswith(".zip") and zpath.parent.name not in wanted:
            zpath.unlink()
            deleted.append(zpath)
    return deleted


EOUSA_NCD = Family(
    name=FAMILY,
    raw_tables=RAW_TABLES,
    discover=discover,
    parse=parse,
    fetch=fetch,
    load_into=load_into,
    # A dump is the database as of one month's end, at a page of its own that is never revised: the next
    # dump (a new page) restates its months. So a release page already loaded is not asked for again, and
    # its version is the manifest it landed as, not the page's bytes.
    restated=False,
)
