"""Atomic publish: analysts read a file the writer never writes in place.

The writer builds in its own file; publishing copies it beside the published path and renames it over
the old one. A reader with the old file open keeps reading the old inode; a new reader gets the new
file; nobody ever sees a half-built warehouse, and a reader never holds a lock the writer needs.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb


def publish(build_warehouse: Path, published: Path) -> Path:
    """Checkpoint the build file (so it is self-contained), then copy and rename it into place.

    Callers hold the writer lock, so any temp copy already there is a killed publish's leftover."""
    con = duckdb.connect(str(build_warehouse))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    for stale in published.parent.glob(f".{published.name}.*.tmp"):  # left by a publish that was killed
        stale.unlink(missing_ok=True)
    tmp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(build_warehouse, tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, published)
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return published
