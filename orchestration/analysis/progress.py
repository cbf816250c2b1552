"""A rich progress bar on stderr for the commands that take a while, so stdout stays clean for data."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

Step = Callable[[str], None]


def quiet(_: str) -> None:
    """The step callback for library use and tests: no output."""


@contextmanager
def steps(label: str, total: int) -> Iterator[Step]:
    """Yield `step(what)`: call it once per finished unit of work, naming the unit."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[what]}"), TimeElapsedColumn(),
                  console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=total, what="")
        yield lambda what: bar.update(task, advance=1, what=what)
