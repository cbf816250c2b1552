"""A landed NCD release's disks: the manifest that names them, and bounded reads out of each zip.

Every zip member is hostile until bounded: a README or code table is read into memory only after its
declared uncompressed size passed a cap (a 400 MiB README fits in a 1.5 MB zip), and read no further
than the cap whatever the header claims; a table member is streamed, and only if its declared size is
one a real table could have.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from orchestration.connectors.eousa.layouts import Readme, parse_readme
from orchestration.connectors.release import ParseError, ReleaseRef

MANIFEST_FORMAT = "crowdout eousa-ncd release manifest 1"
# EOUSA's READMEs are tens of kilobytes (Sep FY2018: the largest, DISK09's, lists 93 files and 4 layouts).
MAX_README_BYTES = 4 << 20
# global_LIONS.txt and the table_gs_*.txt files: code lists, a few megabytes at most.
MAX_CODE_TABLE_BYTES = 64 << 20
# One table file, uncompressed: the largest 2018 file (gs_case.txt) is 2.2 GB; a disk is at most 8 GiB.
MAX_TABLE_BYTES = 64 << 30


@dataclass(frozen=True)
class Disk:
    name: str
    sha256: str
    bytes: int
    path: Path


def manifest_disks(path: Path, ref: ReleaseRef) -> list[Disk]:
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


def open_zip(disk: Disk, ref: ReleaseRef) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(disk.path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(ref, f"{disk.name}: not a readable zip ({exc}); the disk is truncated or damaged") from None


def read_small(zf: zipfile.ZipFile, member: str, cap: int, disk: Disk, ref: ReleaseRef) -> bytes:
    """A member read whole, refused before reading if its declared size is over `cap`; never more
    than `cap` bytes are read, so a header that understates the size cannot get past it either."""
    declared = zf.getinfo(member).file_size
    if declared > cap:
        raise ParseError(ref, f"{disk.name}: {member} declares {declared:,} bytes uncompressed, over the "
                              f"{cap:,} a file of its kind may have; refused unread")
    try:
        with zf.open(member) as fh:
            return fh.read(cap)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ParseError(ref, f"{disk.name}: {member} cannot be read ({exc}); the disk is truncated or damaged") from None


def check_table_size(zf: zipfile.ZipFile, member: str, disk: Disk, ref: ReleaseRef) -> None:
    declared = zf.getinfo(member).file_size
    if declared > MAX_TABLE_BYTES:
        raise ParseError(ref, f"{disk.name}: {member} declares {declared:,} bytes uncompressed, over the "
                              f"{MAX_TABLE_BYTES:,} a table file may have; refused unread")


def read_readme(disk: Disk, zf: zipfile.ZipFile, ref: ReleaseRef) -> Readme:
    """README.TXT (2018) or README.txt (2025)."""
    names = [n for n in zf.namelist() if Path(n).name.upper() == "README.TXT"]
    if not names:
        raise ParseError(ref, f"{disk.name}: no README.TXT in the zip, so its layouts are unknown")
    text = read_small(zf, names[0], MAX_README_BYTES, disk, ref).decode("latin-1")
    try:
        return parse_readme(text, f"{disk.name} {names[0]}")
    except ValueError as exc:
        raise ParseError(ref, f"{disk.name}: README cannot be read: {exc}") from None
