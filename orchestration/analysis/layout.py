"""Tables that fit the terminal: every command's table is shown whole at the width it is given (the
terminal's, COLUMNS, or 80 when piped), never with cells cut short (…) or markers wrapped onto a line of
their own. A table too wide for the width first narrows itself: headers over several lines (split after an
underscore or at a space: `non_immigration_` over `prosecutions`), then long text wrapped within its cell
at spaces, never inside a word (so never inside a number, a path or a URL). Only a table that still does not
fit is shown as psql's expanded display: one block per row, a line per column."""

from __future__ import annotations

import re

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
    """`tbl` itself when it fits in `width` columns, else `tbl` narrowed (`narrow`) when that fits, else one
    block per row (`<row_title> N`)."""
    if natural_width(tbl) <= width:
        return tbl
    narrowed = narrow(tbl, width)
    if narrowed is not None:
        return narrowed
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


def _text(cell) -> Text:
    return cell if isinstance(cell, Text) else Text.from_markup(str(cell))


def _header_lines(header: str, width: int) -> str:
    """`header` over lines no wider than `width` (or its longest part), split after an underscore or at a
    space: a column name stays readable as one word."""
    parts = re.findall(r"[^_ ]+_*|\s+", header)
    lines, line = [], ""
    for part in parts:
        if line and len(line.rstrip()) + len(part.rstrip()) > width:
            lines.append(line.rstrip())
            line = part.lstrip()
        else:
            line += part
    lines.append(line.rstrip())
    return "\n".join(lines)


def narrow(tbl: Table, width: int) -> Table | None:
    """`tbl` rebuilt narrower: each header over lines no wider than its cells, then the widest text columns
    wrapped at spaces down to their longest word. None when even that is wider than `width`."""
    texts = [[_text(c) for c in col.cells] for col in tbl.columns]
    cell_widths = [max((t.cell_len for t in col), default=0) for col in texts]
    words = [max((len(w) for t in col for w in t.plain.split()), default=0) for col in texts]
    headers = [_header_lines(str(col.header), max(w, 1)) for col, w in zip(tbl.columns, cell_widths)]
    caps: dict[int, int] = {}

    def build() -> Table:
        out = table(tbl.title)
        for i, col in enumerate(tbl.columns):
            wraps = i in caps
            out.add_column(headers[i], justify=col.justify, style=col.style, no_wrap=not wraps,
                           max_width=caps.get(i), overflow="fold" if wraps else col.overflow)
        for n, row in enumerate(tbl.rows):
            out.add_row(*(col[n] for col in texts), style=row.style)
        return out

    out = build()
    excess = natural_width(out) - width
    # text columns whose cells have spaces, widest first: each gives up width down to its longest word
    for i in sorted((i for i, col in enumerate(texts) if any(" " in t.plain for t in col)),
                    key=lambda i: -cell_widths[i]):
        if excess <= 0:
            break
        header_width = max(len(line) for line in headers[i].split("\n"))
        cap = max(words[i], header_width, cell_widths[i] - excess)
        if cap < cell_widths[i]:
            caps[i] = cap
            out = build()
            excess = natural_width(out) - width
    return out if excess <= 0 else None
