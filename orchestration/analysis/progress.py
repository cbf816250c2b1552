"""Progress on stderr for the commands that take a while, so stdout stays clean for data.

In a terminal, a rich progress bar. Anywhere else (cron, a CI log, `2> file`) a bar's redraws are noise
or nothing at all, so each finished unit is one plain, timestamped line instead.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterator, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Step = Callable[[str], None]


def quiet(_: str) -> None:
    """The step callback for library use and tests: no output."""


@contextmanager
def steps(label: str, total: int, stream: TextIO | None = None) -> Iterator[Step]:
    """Yield `step(what)`: call it once per finished unit of work, naming the unit."""
    stream = stream or sys.stderr
    console = Console(file=stream)
    if not console.is_terminal:
        yield _lines(label, total, stream)
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[what]}"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task(label, total=total, what="")
        yield lambda what: bar.update(task, advance=1, what=what)


def _lines(label: str, total: int, stream: TextIO) -> Step:
    """`<UTC time> <label> <n>/<total> <what> (<seconds>s)`, flushed at once so a log shows it live."""
    begun, done = time.monotonic(), 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        stream.write(f"{now} {label} {done}/{total} {what} ({time.monotonic() - begun:.0f}s)\n")
        stream.flush()

    return step
