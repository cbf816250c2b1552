"""One writer at a time on the build warehouse, across processes (CLI, Dagster runs, tests).

DuckDB itself allows one writing process, but fails the second one with a lock error after the first
has done half its work; taking this lock first makes the second writer wait, or fail, cleanly.

The lock is the kernel's (`filelock`, an flock on `<build>.lock`): it is released when its process
dies, however it dies (kill -9, OOM, a lost terminal), so a dead refresh never blocks the next one.
Beside it the holder writes who it is (pid, command, start time) to `<build>.lock.holder`, so a
process that has to wait can say for whom, and one that gives up can say whom to look at.

Within one thread the lock is re-entrant: a Dagster run holds it for the whole run (the warehouse
resource takes it when the run starts, on the thread that executes the steps), and the steps' own
`writer_lock` blocks inside that run pass straight through instead of waiting on their own lock.
Another thread of the same process waits like another process would.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from orchestration.config import Settings


class WarehouseBusy(RuntimeError):
    pass


# (thread, lock file) -> how many `writer_lock` blocks of that thread hold it now
_held: dict[tuple[int, Path], int] = {}
_held_guard = threading.Lock()


def _holder_path(lock_path: Path) -> Path:
    return lock_path.with_name(lock_path.name + ".holder")


def holder(build_warehouse: Path) -> dict | None:
    """Who holds (or last held) the writer lock: pid, command and start time, or None if unknown."""
    path = _holder_path(_lock_path(build_warehouse))
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def describe_holder(info: dict | None) -> str:
    if not info:
        return "another crowdout process (it has not said who it is yet)"
    return f"pid {info['pid']} ({info['command']}, holding it since {info['since']})"


def _lock_path(build_warehouse: Path) -> Path:
    return build_warehouse.with_name(build_warehouse.name + ".lock")


def build_lock(settings: Settings):
    """The writer lock on the settings' build warehouse, waiting up to [writer_lock] wait_seconds."""
    return writer_lock(settings.build_warehouse, timeout_s=settings.releases.writer_lock.wait_seconds)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def writer_lock(
    build_warehouse: Path,
    *,
    timeout_s: float,
    on_wait: Callable[[str], None] = _say,
) -> Iterator[None]:
    """Hold the build warehouse's writer lock for the `with` block.

    If another process holds it, `on_wait` is told once whom we wait for; after `timeout_s` (a writer's is
    [writer_lock] wait_seconds in releases.toml: long enough for a refresh to finish its current step, short
    enough that a scheduled run does not queue for hours unnoticed) WarehouseBusy names the holder and
    what to do."""
    lock_path = _lock_path(build_warehouse).resolve()
    mine = (threading.get_ident(), lock_path)
    with _held_guard:
        nested = mine in _held
        if nested:
            _held[mine] += 1
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[mine] -= 1
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        on_wait(f"Waiting for the writer lock on {build_warehouse}: held by "
                f"{describe_holder(holder(build_warehouse))}; giving up after {timeout_s:.0f}s.")
        try:
            lock.acquire(timeout=timeout_s, poll_interval=0.2)
        except Timeout:
            raise WarehouseBusy(
                f"another crowdout process is writing {build_warehouse}: "
                f"{describe_holder(holder(build_warehouse))}; waited {timeout_s:.0f}s. Try again when it "
                f"finishes, or stop that process (the lock is released the moment it exits)."
            ) from None
    holder_path = _holder_path(lock_path)
    try:
        holder_path.write_text(json.dumps({
            "pid": os.getpid(),
            "command": " ".join(sys.argv) or sys.executable,
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }))
        with _held_guard:
            _held[mine] = 1
        yield
    finally:
        with _held_guard:
            _held.pop(mine, None)
        holder_path.unlink(missing_ok=True)
        lock.release()
