"""Sizing up an xlsx workbook before a spreadsheet library opens it.

python-calamine builds a sheet as one dense grid from A1 to its last cell, allocated at once in Rust: a
1 MB file with a single cell at XFD1048576 asks for 512 GiB, and the allocation failure aborts the whole
process (exit 134), with no Python exception to catch, no failure record and no alert. So the workbook's
zip is read first, with the standard library: the members' uncompressed sizes against a byte limit, and
the sheet's extent (its `<dimension>` and every row and cell reference, streamed) against a cell limit.
Only a workbook within both reaches calamine.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from orchestration.connectors.release import ParseError, ReleaseRef

_CHUNK = 1 << 20
_MAX_TAG = 1 << 20  # a single tag longer than this is not a worksheet
_TAG = re.compile(rb"<(?:\w+:)?(dimension|row|c)([\s/][^>]*)?>")
_ATTR_REF = re.compile(rb'\sref="([^"]*)"')
_ATTR_R = re.compile(rb'\sr="\$?([A-Za-z]{0,3})\$?(\d{1,10})"')
_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,10})")
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Limits:
    """What one workbook may hold: `max_bytes` uncompressed, all members together; `max_cells` in the
    grid from A1 to the sheet's last row and column (what calamine allocates, about 32 bytes a cell)."""

    max_bytes: int
    max_cells: int


def check(path: Path, sheet: str, ref: ReleaseRef | str, limits: Limits) -> None:
    """ParseError unless `path` is a zip within `limits.max_bytes` whose sheet `sheet` spans at most
    `limits.max_cells` cells. A workbook without that sheet passes: the caller names the sheets present."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(ref, f"not a readable xlsx workbook (not a zip archive: {exc})") from None
    with archive:
        total = sum(info.file_size for info in archive.infolist())
        if total > limits.max_bytes:
            raise ParseError(ref, f"the workbook unpacks to {total:,} bytes, over the limit of "
                                  f"{limits.max_bytes:,}; refused before opening it")
        # A damaged member (bad header, bad CRC, truncated deflate, an offset before the file's start, which
        # zipfile's seek reports as OSError EINVAL) is a damaged release, not a crash.
        try:
            member = _sheet_member(archive, sheet)
            if member is None:
                return
            rows, cols = _extent(archive, member, ref)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ParseError(ref, f"not a readable xlsx workbook (a damaged zip member: {exc})") from None
    if rows * cols > limits.max_cells:
        raise ParseError(ref, f"sheet {sheet!r} spans {rows:,} rows x {cols:,} columns ({rows * cols:,} cells), "
                              f"over the limit of {limits.max_cells:,} cells; refused before opening it")


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding `sheet`, through xl/workbook.xml and its relationships."""
    try:
        book = etree.fromstring(archive.read("xl/workbook.xml"), etree.XMLParser(resolve_entities=False))
        rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), etree.XMLParser(resolve_entities=False))
    except (KeyError, etree.XMLSyntaxError):
        return None
    rid = next((s.get(f"{{{_OFFICE_RELS}}}id") for s in book.iter("{*}sheet") if s.get("name") == sheet), None)
    target = next((r.get("Target") for r in rels.iter(f"{{{_RELS}}}Relationship") if r.get("Id") == rid), None)
    if not target:
        return None
    member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return member if member in archive.namelist() else None


def _extent(archive: zipfile.ZipFile, member: str, ref: ReleaseRef | str) -> tuple[int, int]:
    """The last row and column the sheet reaches: its declared dimension, its row and cell references,
    and, for rows and cells without one (each then follows the one before), their count."""
    max_row = max_col = row = col = 0
    carry = b""
    with archive.open(member) as fh:
        while chunk := fh.read(_CHUNK):
            buffer = carry + chunk
            cut = buffer.rfind(b">") + 1
            text, carry = buffer[:cut], buffer[cut:]
            if len(carry) > _MAX_TAG:
                raise ParseError(ref, f"{member} is not a worksheet (a tag over {_MAX_TAG:,} bytes)")
            for tag, attributes in _TAG.findall(text):
                if tag == b"dimension":
                    found = _ATTR_REF.search(attributes)
                    for corner in (found.group(1).split(b":") if found else ()):
                        cell = _CELL.fullmatch(corner.strip().decode("ascii", "replace"))
                        if cell:
                            max_col, max_row = max(max_col, _column(cell.group(1))), max(max_row, int(cell.group(2)))
                    continue
                found = _ATTR_R.search(attributes)
                letters, number = (found.group(1).decode(), int(found.group(2))) if found else ("", 0)
                if tag == b"row":
                    row, col = (number or row + 1), 0
                else:
                    col = _column(letters) if letters else col + 1
                    row = number or row
                max_row, max_col = max(max_row, row), max(max_col, col)
    return max_row, max(max_col, 1)


def _column(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
