"""Tables that fit the terminal: every command's table is shown whole at the width it is given (the
terminal's, COLUMNS, or 80 when piped), never with cells cut short (…) or markers wrapped onto a line of
their own. A table too wide for the width is shown as psql's expanded display: one block per row, a line
per column, long values continuing on the next line."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text


def natural_width(renderable: RenderableType) -> int:
    """The width `renderable` needs to show every cell whole (rich clamps a measurement to the console)."""
    console = Console(width=10_000)
    return Measurement.get(console, console.options, renderable).maximum


def table(title: str | None = None) -> Table:
    """A table with the project's compact look: a rule under the header, no outer frame, no cell wrapping
    (`add_column(..., no_wrap=True)` is the caller's: fit() needs each cell's whole width)."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False,
                 show_edge=False)


def fit(tbl: Table, width: int, row_title: str = "row") -> RenderableType:
    """`tbl` itself when it fits in `width` columns, else one block per row (`<row_title> N`)."""
    if natural_width(tbl) <= width:
        return tbl
    headers = [str(c.header) for c in tbl.columns]
    columns = [list(c.cells) for c in tbl.columns]
    note = f"one block per {row_title} (too wide for {width} columns)"
    blocks: list[RenderableType] = [Text(f"{tbl.title}: {note}" if tbl.title else note, style="italic")]
    for n in range(tbl.row_count):
        block = Table(title=f"{row_title} {n + 1}", title_justify="left", box=None, show_header=False,
                      pad_edge=False)
        block.add_column(style="bold", no_wrap=True)
        block.add_column(overflow="fold")  # a long value (a URL, a list) continues on the next line
        for header, cells in zip(headers, columns):
            block.add_row(header, cells[n])
        blocks.append(block)
    return Group(*blocks)
