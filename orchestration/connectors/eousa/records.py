"""NCD table files as records: found on the disks, matched to their README layout, and read tolerantly.

Real files are space-padded to the layout's width and end each record in LF; copies made with common
tools have CRLF line ends, trimmed trailing blanks, a last line without a newline. All of that is read
as the same records. What cannot be a record is set aside, never guessed at: a line longer than its
layout, or the pieces of a record broken by a raw line break inside a field (a line shorter than the
layout where a NOT NULL column is blank, with the short line before or after it that completes it).
The warehouse decides whether a release with set-aside records loads (`[checks]` in releases.toml).

A dump is about 20 GB, so a table is never held in memory: each needed file is streamed out of its
zip, a chunk at a time, to a temp file of one record a line (LF, CR bytes blanked one for one so
positions hold). Chunks of whole, exactly-wide records, what real files are, pass at the speed of a
copy; only other chunks are read line by line.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from orchestration.connectors.eousa.codes import Code, is_code_file, parse_code_file
from orchestration.connectors.eousa.disks import (
    MAX_CODE_TABLE_BYTES,
    Disk,
    check_table_size,
    manifest_disks,
    open_zip,
    read_readme,
    read_small,
)
from orchestration.connectors.eousa.layouts import Layout, Readme, table_of
from orchestration.connectors.release import ParseError, ReleaseRef

# What the counts need, by LIONS table: the raw table it fills and the README columns loaded.
NEEDED: dict[str, tuple[str, tuple[str, ...]]] = {
    "GS_CASE": ("eousa_ncd_case", ("DISTRICT", "ID", "CLASS", "RECVD_DATE", "LEAD_CHARGE", "STATUS")),
    "GS_CASE_PROG_CAT": ("eousa_ncd_case_prog_cat", ("DISTRICT", "CASEID", "PROG_CAT", "ID")),
    "GS_COURT_HIST": ("eousa_ncd_court_hist", ("DISTRICT", "CASEID", "ID", "COURT", "FILING_DATE")),
    "GS_PARTICIPANT": (
        "eousa_ncd_participant", ("DISTRICT", "CASEID", "ID", "TYPE", "ROLE", "DEFEND_NUM", "AGENCY"),
    ),
}
DATE_TYPE = "DATE"
# A date outside these years is a keying error (the files hold 11-MAR-0024): NULL, and counted.
PLAUSIBLE_YEARS = (1900, 2099)
_CHUNK = 1 << 20
# A set-aside record keeps this much of its text in the rejects table.
REJECT_TEXT_CHARS = 240
# Beyond this many set-aside records one file is refused whatever the ratio: past it, memory would grow
# with a hostile file.
MAX_REJECTS_KEPT = 100_000


@dataclass(frozen=True)
class TableFile:
    disk: Disk
    member: str
    layout: Layout
    listed_bytes: int | None  # the size the README's file listing gives, if it lists the file

    @property
    def label(self) -> str:
        return f"{self.disk.name}: {self.member}"


@dataclass(frozen=True)
class ReleasePlan:
    disks: list[Disk]
    readmes: list[Readme]
    files: list[TableFile]
    codes: list[tuple[Disk, str, Code]]  # (disk, code file, code)


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str
    text: str


@dataclass
class RecordFile:
    """One table file read into `path`: one record a line, LF, at most the layout's width plus a blank."""

    file: TableFile
    path: Path
    records: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)


def plan(path: Path, ref: ReleaseRef) -> ReleasePlan:
    """Every disk's README read, the needed table files matched to their layouts, the code tables read.

    Fails, naming the release and the disk, when a README is unreadable or too big, a disk holds a
    needed table without its layout, a layout lacks a needed column or has changed a date column's type,
    or no disk holds a needed table at all.
    """
    disks = manifest_disks(path, ref)
    readmes, files, codes = [], [], []
    for disk in disks:
        with open_zip(disk, ref) as zf:
            readme = read_readme(disk, zf, ref)
            readmes.append(readme)
            for member in sorted(zf.namelist()):
                if is_code_file(member):
                    text = read_small(zf, member, MAX_CODE_TABLE_BYTES, disk, ref).decode("latin-1")
                    codes += [(disk, Path(member).name, c) for c in parse_code_file(text)]
                    continue
                table = table_of(Path(member).name, readme.layouts, NEEDED)
                if table not in NEEDED:
                    continue
                layout = readme.layouts.get(table)
                if layout is None:
                    raise ParseError(ref, f"{disk.name}: holds {member} but its README has no {table} layout")
                _check_layout(layout, disk, ref)
                check_table_size(zf, member, disk, ref)
                files.append(TableFile(disk, member, layout, readme.listing.get(Path(member).name)))
    missing = sorted(set(NEEDED) - {f.layout.table for f in files})
    if missing:
        raise ParseError(ref, f"no disk holds {', '.join(missing)} (disks: {', '.join(d.name for d in disks)})")
    return ReleasePlan(disks, readmes, files, codes)


def _check_layout(layout: Layout, disk: Disk, ref: ReleaseRef) -> None:
    _, names = NEEDED[layout.table]
    absent = [n for n in names if n not in layout.columns]
    if absent:
        raise ParseError(ref, f"{disk.name}: README layout of {layout.table} lacks {', '.join(absent)}")
    for name in names:
        declared_date = name.endswith("_DATE")
        if declared_date != (layout.columns[name].type == DATE_TYPE):
            raise ParseError(
                ref, f"{disk.name}: {layout.table}.{name} is {layout.columns[name].type or 'untyped'} in the README"
            )


def record_files(release_plan: ReleasePlan, work: Path, ref: ReleaseRef) -> Iterator[RecordFile]:
    """Each needed table file read into `work`, one at a time; the caller deletes each when done."""
    for file in release_plan.files:
        yield read_records(file, work / Path(file.member).name, ref)


def read_records(file: TableFile, out: Path, ref: ReleaseRef) -> RecordFile:
    """One member out of its zip into `out`, its size checked against the README's listing (where the
    README lists the file)."""
    result = RecordFile(file, out)
    try:
        with zipfile.ZipFile(file.disk.path) as zf, zf.open(file.member) as src, open(out, "wb") as dst:
            size = _normalize(src, dst, file.layout, result)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ParseError(ref, f"{file.label} cannot be read ({exc}); the disk is truncated or damaged") from None
    if file.listed_bytes is not None and size != file.listed_bytes:
        raise ParseError(
            ref, f"{file.label} is {size:,} bytes but its README lists {file.listed_bytes:,}; "
            "the file is truncated or was changed after the README was written",
        )
    return result


def _whole(body: bytes, lines: int, width: int) -> bool:
    """Is every line of `body` exactly `width` characters, with LF or CRLF ends? (Checked by stride in C.)"""
    if len(body) == lines * (width + 1):
        return body[width::width + 1] == b"\n" * lines
    if len(body) == lines * (width + 2):
        return body[width + 1::width + 2] == b"\n" * lines and body[width::width + 2] == b"\r" * lines
    return False


def _normalize(src: BinaryIO, dst: BinaryIO, layout: Layout, result: RecordFile) -> int:
    """Copy records from src to dst (see the module docstring); returns the bytes read."""
    reader = _LineReader(dst, layout, result)
    tail, size = b"", 0
    while chunk := src.read(_CHUNK):
        size += len(chunk)
        buf = tail + chunk
        cut = buf.rfind(b"\n") + 1
        body, tail = buf[:cut], buf[cut:]
        lines = body.count(b"\n")
        if lines and reader.held is None and _whole(body, lines, layout.width):
            dst.write(body.replace(b"\r", b" "))
            reader.line += lines
            result.records += lines
            continue
        for raw in body.split(b"\n")[:-1]:
            reader.take(raw)
    if tail:  # a last line without a newline
        reader.take(tail)
    reader.finish()
    return size


class _LineReader:
    """Line by line: a short line is held until the next one shows whether the two are one broken record."""

    def __init__(self, dst: BinaryIO, layout: Layout, result: RecordFile):
        self.dst, self.layout, self.result = dst, layout, result
        self.width = layout.width
        self.required = [(c.begin - 1, c.end, c.name) for c in layout.required]
        self.line = 0
        self.held: tuple[int, bytes, str | None] | None = None  # (line, record, blank NOT NULL column)

    def take(self, raw: bytes) -> None:
        self.line += 1
        record = raw.replace(b"\r", b" ").rstrip(b" ")
        if not record:  # a blank line carries no record
            self._release()
            return
        if len(record) > self.width:
            self._release()
            self._reject(self.line, record, f"longer than its layout ({len(record)} characters, the layout has "
                                            f"{self.width})")
            return
        short = len(raw.rstrip(b"\r")) < self.width
        blank = next((name for b, e, name in self.required if not record[b:e].strip()), None) if short else None
        if self.held is not None:
            held_line, held_record, held_blank = self.held
            self.held = None
            if (held_blank or blank) and len(held_record) + len(record) < self.width + 1:
                why = f"a record broken by a line break inside a field (lines {held_line}-{self.line})"
                self._reject(held_line, held_record, why)
                self._reject(self.line, record, why)
                return
            self._settle(held_line, held_record, held_blank)
        if short:
            self.held = (self.line, record, blank)
        else:
            self._write(record)

    def finish(self) -> None:
        self._release()

    def _release(self) -> None:
        if self.held is not None:
            self._settle(*self.held)
            self.held = None

    def _settle(self, line: int, record: bytes, blank: str | None) -> None:
        if blank:
            self._reject(line, record, f"{blank} (NOT NULL) is blank in a record shorter than its layout: "
                                       "a record broken by a line break inside a field")
        else:
            self._write(record)

    def _write(self, record: bytes) -> None:
        self.dst.write(record + b"\n")
        self.result.records += 1

    def _reject(self, line: int, record: bytes, reason: str) -> None:
        self.result.rejected += 1
        if len(self.result.rejects) < MAX_REJECTS_KEPT:
            self.result.rejects.append(Reject(line, reason, record[:REJECT_TEXT_CHARS].decode("latin-1")))
