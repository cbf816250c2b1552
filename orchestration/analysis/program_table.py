"""`crowdout metrics --by program`: which prosecutions fell, program by program, for one geography.

The displacement mart answers "everything else" as one number; marts.fct_displacement_by_program splits
prosecutions by program (immigration, drugs, weapons, white collar, ...). Here one row per program: the
baseline month's prosecutions beside the range's last month, the change against the baseline, the
pre-baseline mean and the prosecutions missing over the range's months inside the policy window (summed
as `crowdout metrics` sums them, analysis.counterfactuals). Each figure whose basis is modelled is marked
on its own cell, so a published figure beside modelled ones stays unmarked.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text

from orchestration.analysis.counterfactuals import window_span, window_sum
from orchestration.analysis.layout import fit
from orchestration.analysis.layout import table as compact_table
from orchestration.analysis.metrics_table import MetricsView, fmt
from orchestration.analysis.reader import geography_rows, reading

MART = "marts.fct_displacement_by_program"


@dataclass(frozen=True)
class ProgramRow:
    """One program over the range: the figures of its table row, each with its basis."""

    program: str
    baseline_month: dt.date
    baseline: int | None
    baseline_basis: str | None
    month: dt.date
    prosecutions: int | None
    basis: str | None
    change: float | None
    change_basis: str | None
    expected: float | None
    expected_basis: str | None
    missing: float | None
    missing_modelled: bool
    release_ids: tuple[str, ...]


@dataclass(frozen=True)
class ProgramView(MetricsView):
    """A geography's rows of the program mart, every program, over the range."""

    def programs(self) -> list[ProgramRow]:
        """Per program, its last month in the range against the baseline, and its missing total; the
        program that fell furthest first."""
        out = []
        for program, months in groupby(self.rows, key=lambda r: r["program"]):
            months = list(months)
            last = months[-1]
            out.append(ProgramRow(
                program, last["baseline_month"], last["baseline_prosecutions"], last["baseline_prosecutions_basis"],
                last["month"],
                last["prosecutions"], last["basis"], last["pct_change_vs_baseline"],
                last["pct_change_vs_baseline_basis"], last["expected_prosecutions"],
                last["expected_prosecutions_basis"],
                window_sum(months, "missing_prosecutions"),
                any(r["missing_prosecutions_basis"] == "modelled" for r in months),
                tuple(sorted({i for r in months for i in (r["release_ids"] or [])}))))
        return sorted(out, key=lambda p: (p.change is None, p.change if p.change is not None else 0, p.program))


def load(warehouse: Path, geography: str, start: dt.date, end: dt.date) -> ProgramView:
    """The mart's rows for one geography, every program, from `start` to `end`."""
    with reading(warehouse) as con:
        geography, data = geography_rows(con, MART, geography, start, end, "program, month",
                                         " (TRAC's program bulletins are national: US; districts come from "
                                         "EOUSA NCD)")
    return ProgramView(geography, start, end, data)


def _cell(value, kind: str, modelled: bool) -> str:
    text = fmt(value, kind)
    return text + "*" if modelled and value is not None else text


def to_rich(view: ProgramView, width: int) -> RenderableType:
    """One row per program, fitted to `width` columns; a legend of the short headers follows."""
    programs = view.programs()
    if not programs:
        return Text("no programs")
    baseline, month = programs[0].baseline_month, max(p.month for p in programs)
    table = compact_table(f"Prosecutions by program: {view.geography}")
    headers = [("program", "left"), (f"{baseline:%Y-%m}", "right"), (f"{month:%Y-%m}", "right"),
               ("Δbase", "right"), ("exp", "right"), ("miss", "right")]
    for header, justify in headers:
        table.add_column(header, justify=justify, no_wrap=True)
    for p in programs:
        table.add_row(
            p.program,
            _cell(p.baseline, "count", p.baseline_basis == "modelled"),
            _cell(p.prosecutions, "count", p.basis == "modelled") + ("" if p.month == month else f" ({p.month:%Y-%m})"),
            _cell(p.change, "signed_pct", p.change_basis == "modelled"),
            _cell(p.expected, "count", p.expected_basis == "modelled"),
            _cell(p.missing, "signed_count", p.missing_modelled),
            style="italic yellow" if "modelled" in (p.basis, p.change_basis) else None,
        )
    legend = Text(f"{baseline:%Y-%m} = prosecutions in the baseline month (dbt var baseline_month); "
                  f"{month:%Y-%m} = prosecutions in the range's last month; Δbase = change against the baseline "
                  "month; exp = expected a month (the mean of the months before the baseline); miss = missing "
                  "(expected − actual) summed over the range's months in the policy window", style="dim")
    return Group(fit(table, width, "program"), legend)


def summary(view: ProgramView) -> list[str]:
    """The sentences under the table: what fell, what the window is, what is modelled, where it came from."""
    programs = view.programs()
    lines = []
    fell = [p.program for p in programs if p.change is not None and p.change < 0]
    if fell and programs:
        lines.append(f"Fell from {programs[0].baseline_month:%Y-%m} to {view.end:%Y-%m} in {view.geography}: "
                     f"[bold]{', '.join(fell)}[/] (falls first).")
    span = window_span(view.rows)
    first = view.rows[0]
    if span is None:
        lines.append(f"No month of this range is in the policy window ({first['policy_start']:%Y-%m} to "
                     f"{first['policy_end']:%Y-%m}): nothing is counted as missing.")
    else:
        lines.append(f"Missing prosecutions are counted over {span[0]:%Y-%m} to {span[1]:%Y-%m}, the range's "
                     f"months in the policy window ({first['policy_start']:%Y-%m} to {first['policy_end']:%Y-%m}).")
    if any(p.basis == "modelled" or p.change_basis == "modelled" or p.missing_modelled for p in programs):
        lines.append("[yellow]* a modelled figure[/] (rows in italics rest on one): built from modelled sample "
                     "figures, not TRAC's; an unmarked figure is published, or derived from published figures.")
    releases = {i for p in programs for i in p.release_ids}
    families = Counter(i.split(":", 1)[0] for i in releases)
    lines.append(f"Built from {len(releases)} releases ({', '.join(f'{f} {n}' for f, n in sorted(families.items()))}); "
                 f"the mart's own columns: crowdout metrics --by program --geography {view.geography} --format csv")
    return lines
