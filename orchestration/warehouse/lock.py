"""One writer at a time on the build warehouse, across processes (CLI, Dagster runs, tests).

DuckDB itself allows one writing process, but fails the second one with a lock error after the first
has done half its work; taking this lock first makes the second writer wait, or fail fast, cleanly.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class WarehouseBusy(RuntimeError):
    pass


@contextmanager
def writer_lock(build_warehouse: Path, *, timeout_s: float = 600.0) -> Iterator[None]:
    lock_path = build_warehouse.with_name(build_warehouse.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"another crowdout process is writing {build_warehouse} (lock {lock_path}); "
                        f"waited {timeout_s:.0f}s. Try again when it finishes."
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)
