"""`crowdout metrics`: the displacement mart for one geography and a month range, for people to read.

The mart stores fractions and raw counts; here they become percentages and rounded counts, modelled rows
are marked on the row itself, and the footer answers the usual question (how many non-immigration
prosecutions went missing over these months) so nobody has to add up a column by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from orchestration.analysis import basis
from orchestration.analysis.counterfactuals import COUNTERFACTUALS, FLAT, missing_total, window_span
from orchestration.analysis.layout import natural_width
from orchestration.analysis.layout import table as compact_table
from orchestration.analysis.reader import AnalysisError, geography_rows, reading

MART = "marts.fct_displacement_district_month"

# (column, short header, meaning, kind); the first block is the default view, `wide` adds the rest. Headers
# are short so the default view fits an 80-column terminal; the legend under the table spells them out.
CORE = [
    ("month", "month", "", "month"),
    ("immigration_prosecutions", "imm", "immigration prosecutions", "count"),
    ("non_immigration_prosecutions", "non", "non-immigration prosecutions", "count"),
    ("non_immigration_share", "share", "non-immigration share of all prosecutions", "pct"),
    ("pct_change_vs_baseline_non_immigration", "Δbase", "non-immigration change vs the baseline month",
     "signed_pct"),
    ("cbp_referred_prosecutions", "cbp", "CBP-referred prosecutions", "count"),
    ("bp_apprehensions", "bp", "Border Patrol apprehensions", "count"),
    ("missing_non_immigration", "miss", "missing non-immigration prosecutions (expected − actual)",
     "signed_count"),
    ("cumulative_missing_non_immigration", "cum", "cumulative missing over the policy window", "signed_count"),
]
WIDE = [
    ("total_prosecutions", "total", "all prosecutions", "count"),
    ("pct_change_vs_baseline_immigration", "iΔbase", "immigration change vs the baseline month", "signed_pct"),
    ("yoy_pct_change_non_immigration", "nYoY", "non-immigration change vs the same month a year earlier",
     "signed_pct"),
    ("displacement_ratio", "ratio", "displacement ratio (non-immigration lost per immigration case added)",
     "ratio"),
    ("expected_non_immigration", "exp", "expected non-immigration prosecutions (pre-baseline mean)", "count"),
    ("expected_non_immigration_year_ago", "exp1y", "expected: the same month a year earlier", "count"),
    ("expected_non_immigration_trend", "expT", "expected: pre-period trend with seasonality", "count"),
    ("prosecutions_per_apprehension", "c/bp", "CBP-referred prosecutions per apprehension", "pct"),
    ("border_vs_rest_gap", "gap", "border vs rest of the country, percentage points", "signed_pp"),
]


@dataclass(frozen=True)
class MetricsView:
    geography: str
    start: dt.date
    end: dt.date
    data: pa.Table

    @property
    def rows(self) -> list[dict]:
        return self.data.to_pylist()


def parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise AnalysisError(f"month {text!r} is not YYYY-MM (e.g. 2018-04)") from None


def load(warehouse: Path, geography: str, start: dt.date, end: dt.date) -> MetricsView:
    with reading(warehouse) as con:
        geography, data = geography_rows(con, MART, geography, start, end, "month")
    return MetricsView(geography, start, end, data)


def fmt(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "month":
        return f"{value:%Y-%m}"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "signed_count":
        return f"{value:+,.0f}"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "signed_pct":
        return f"{value:+.1%}"
    if kind == "signed_pp":  # a difference of two changes: percentage points, not a percent
        return f"{value * 100:+.1f} pp"
    return f"{value:.2f}"


def summary(view: MetricsView) -> list[str]:
    """The sentences under the table: the missing prosecutions over the range and what they rest on."""
    rows = view.rows
    lines = _missing_lines(view)
    modelled = sum(bool(r.get("is_modelled")) for r in rows)
    if modelled:
        lines.append(f"[yellow]{modelled} of {len(rows)} months are modelled[/] (rows marked ‡): built from "
                     "modelled sample figures, not a publisher's numbers.")
    if any(_modelled_figure(r, col) for r in rows for col, _, _, _ in CORE + WIDE):
        lines.append("* a modelled figure, by its own basis; an unmarked count is published or derived from "
                     "published figures (a published figure stays unmarked in a month with modelled ones).")
    if any(r.get("bp_apprehensions_is_allocated") for r in rows):
        lines.append("† BP apprehensions allocated to districts from Border Patrol sectors (sector crosswalk).")
    releases = {i for r in rows for i in (r.get("release_ids") or [])}
    families = Counter(i.split(":", 1)[0] for i in releases)
    lines.append("Shares and changes are percentages; changes are against the baseline month. Built from "
                 f"{len(releases)} releases ({', '.join(f'{f} {n}' for f, n in sorted(families.items()))}); "
                 "trace a month to its files with: crowdout query \"SELECT r.family, r.release_key, r.url, "
                 f"r.is_modelled FROM (SELECT unnest(release_ids) AS id FROM {MART} WHERE geography = "
                 f"'{view.geography}' AND month = DATE '{rows[-1]['month']:%Y-%m-01}') JOIN meta.releases r ON "
                 "r.release_id = id\"")
    return lines


def _missing_lines(view: MetricsView) -> list[str]:
    """The missing prosecutions over the view's months inside the policy window, against each
    counterfactual (their spread is the uncertainty a single figure hides)."""
    rows, first = view.rows, view.rows[0]
    if first.get("policy_start") is None:
        return []
    window = f"{first['policy_start']:%Y-%m} to {first['policy_end']:%Y-%m}"
    span = window_span(rows)
    if span is None:
        return [f"No month of this range is in the missing window ({window}, dbt vars policy_start and "
                "policy_end): nothing is counted as missing."]
    totals = [(cf, missing_total(rows, cf)) for cf in COUNTERFACTUALS]
    flat = totals[0][1]
    expected = first.get("expected_non_immigration")
    per_month = f", expected {expected:,.0f} a month" if expected is not None else ""
    others = "; ".join(f"against the {cf.label}: {'unknown' if t is None else f'{t:,.0f}'}" for cf, t in totals[1:])
    return [f"Missing non-immigration prosecutions, {view.geography}, {span[0]:%Y-%m} to {span[1]:%Y-%m}: "
            f"[bold]{'unknown' if flat is None else f'{flat:,.0f}'}[/] (sum of expected − actual against the "
            f"{FLAT.label}{per_month}); {others}. Counted over the policy window {window} only."]


def _columns(view: MetricsView, wide: bool) -> list[tuple[str, str, str, str]]:
    return [c for c in CORE + (WIDE if wide else []) if c[0] in view.data.column_names]


def _cells(view: MetricsView, columns) -> list[list[str]]:
    """Each row's formatted cells: † on allocated apprehensions, ‡ after a modelled month."""
    names = [c[0] for c in columns]
    out = []
    for r in view.rows:
        cells = [fmt(r[col], kind) for col, _, _, kind in columns]
        if "bp_apprehensions" in names and r.get("bp_apprehensions_is_allocated"):
            cells[names.index("bp_apprehensions")] += "†"
        for i, (col, _, _, _) in enumerate(columns):
            if _modelled_figure(r, col):
                cells[i] += "*"
        if r.get("is_modelled"):
            cells[0] += " ‡"
        out.append(cells)
    return out


def _style(row: dict) -> str | None:
    return "italic yellow" if row.get("is_modelled") else None


def _by_month(view: MetricsView, columns) -> Table:
    """One row per month, one column per metric: the natural layout when it fits the terminal."""
    table = compact_table(f"Displacement metrics: {view.geography}")
    for _, header, _, kind in columns:
        table.add_column(header, justify="left" if kind == "month" else "right", no_wrap=True)
    for row, cells in zip(view.rows, _cells(view, columns)):
        table.add_row(*cells, style=_style(row))
    return table


def _modelled_figure(row: dict, column: str) -> bool:
    """A count or same-month ratio whose own basis is modelled (basis.MEASURE_BASIS)."""
    bases = basis.MEASURE_BASIS.get(column)
    return bool(bases) and row.get(column) is not None and any(row.get(b) is None or row.get(b) in basis.MODELLED for b in bases)


def _by_metric(view: MetricsView, columns, width: int) -> list[Table]:
    """The same table turned on its side (one row per metric, one column per month), in as many blocks of
    months as the width needs: the wide view in a narrow terminal, still with nothing cut or wrapped."""
    cells = _cells(view, columns)

    def block(start: int, count: int) -> Table:
        table = compact_table(None if start else f"Displacement metrics: {view.geography}")
        table.add_column("", no_wrap=True)
        chunk = cells[start:start + count]
        for month_cells, row in zip(chunk, view.rows[start:start + count]):
            table.add_column(Text(month_cells[0], style=_style(row) or ""), justify="right", no_wrap=True)
        for i, (_, header, _, _) in enumerate(columns[1:], start=1):
            table.add_row(header, *(row[i] for row in chunk))
        return table

    def blocks(per_block: int) -> list[Table]:
        return [block(start, per_block) for start in range(0, len(cells), per_block)]

    fits = (n for n in range(len(cells), 1, -1) if max(map(natural_width, blocks(n))) <= width)
    return blocks(next(fits, 1))


def to_rich(view: MetricsView, width: int, wide: bool = False) -> RenderableType:
    """The table for a terminal `width` columns wide: by month when that fits, else turned on its side;
    a legend of the short headers follows."""
    columns = _columns(view, wide)
    table = _by_month(view, columns)
    if natural_width(table) > width:
        table = Group(*_by_metric(view, columns, width))
    legend = Text("; ".join(f"{header} = {meaning}" for _, header, meaning, _ in columns[1:]), style="dim")
    return Group(table, legend)
