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
from rich.table import Table

from orchestration.analysis import basis
from orchestration.analysis.reader import AnalysisError, reading, require_table

MART = "marts.fct_displacement_district_month"

# (column, header, kind); the first block is the default view, `wide` adds the rest.
CORE = [
    ("month", "Month", "month"),
    ("immigration_prosecutions", "Immigration", "count"),
    ("non_immigration_prosecutions", "Non-immigration", "count"),
    ("non_immigration_share", "Non-imm share", "pct"),
    ("pct_change_vs_baseline_non_immigration", "Non-imm vs baseline", "signed_pct"),
    ("cbp_referred_prosecutions", "CBP-referred", "count"),
    ("bp_apprehensions", "BP apprehensions", "count"),
    ("missing_non_immigration", "Missing non-imm", "signed_count"),
    ("cumulative_missing_non_immigration", "Cumulative missing", "signed_count"),
]
WIDE = [
    ("total_prosecutions", "Total", "count"),
    ("pct_change_vs_baseline_immigration", "Imm vs baseline", "signed_pct"),
    ("yoy_pct_change_non_immigration", "Non-imm YoY", "signed_pct"),
    ("displacement_ratio", "Displacement ratio", "ratio"),
    ("expected_non_immigration", "Expected non-imm", "count"),
    ("prosecutions_per_apprehension", "CBP-referred per apprehension", "pct"),
    ("border_vs_rest_gap", "Border vs rest gap", "signed_pct"),
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
    if start > end:
        raise AnalysisError(f"--from {start:%Y-%m} is after --to {end:%Y-%m}")
    with reading(warehouse) as con:
        require_table(con, MART)
        known = [r[0] for r in con.execute(f"SELECT DISTINCT geography FROM {MART} ORDER BY 1").fetchall()]
        if geography not in known:
            raise AnalysisError(f"no geography {geography!r} in {MART}; choose one of: {', '.join(known)}")
        data = con.sql(
            f"SELECT * FROM {MART} WHERE geography = $g AND month BETWEEN $a AND $b ORDER BY month",
            params={"g": geography, "a": start, "b": end},
        ).to_arrow_table()
    if data.num_rows == 0:
        raise AnalysisError(f"{MART} has no {geography} rows between {start:%Y-%m} and {end:%Y-%m}; "
                            f"see what it has: crowdout query \"SELECT min(month), max(month) FROM {MART}\"")
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
    return f"{value:.2f}"


def missing_total(view: MetricsView) -> float | None:
    values = [r["missing_non_immigration"] for r in view.rows if r.get("missing_non_immigration") is not None]
    return sum(values) if values else None


def summary(view: MetricsView) -> list[str]:
    """The sentences under the table: the missing prosecutions over the range and what they rest on."""
    rows = view.rows
    span = f"{view.geography}, {rows[0]['month']:%Y-%m} to {rows[-1]['month']:%Y-%m}"
    lines = []
    total = missing_total(view)
    if total is not None:
        expected = rows[-1].get("expected_non_immigration")
        baseline = rows[-1].get("baseline_month")
        basis = (f"expected {expected:,.0f} a month, the mean before the {baseline:%Y-%m} baseline"
                 if expected is not None and baseline is not None else "expected from the pre-baseline mean")
        lines.append(f"Missing non-immigration prosecutions, {span}: [bold]{total:,.0f}[/] "
                     f"(sum of expected − actual; {basis}).")
    modelled = sum(bool(r.get("is_modelled")) for r in rows)
    if modelled:
        lines.append(f"[yellow]{modelled} of {len(rows)} months are modelled[/] (rows marked ‡): built from "
                     "modelled sample figures, not a publisher's numbers.")
    if any(_modelled_figure(r, col) for r in rows for col, _, _ in CORE + WIDE):
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


def to_rich(view: MetricsView, wide: bool = False) -> Table:
    columns = [c for c in CORE + (WIDE if wide else []) if c[0] in view.data.column_names]
    table = Table(title=f"Displacement metrics: {view.geography}", title_justify="left")
    for col, header, kind in columns:
        table.add_column(header, justify="left" if kind == "month" else "right")
    for r in view.rows:
        cells = [fmt(r[col], kind) for col, _, kind in columns]
        if "bp_apprehensions" in (c[0] for c in columns) and r.get("bp_apprehensions_is_allocated"):
            i = [c[0] for c in columns].index("bp_apprehensions")
            cells[i] += "†"
        for i, (col, _, _) in enumerate(columns):
            if _modelled_figure(r, col):
                cells[i] += "*"
        if r.get("is_modelled"):
            cells[0] += " ‡"
        table.add_row(*cells, style="italic yellow" if r.get("is_modelled") else None)
    return table


def _modelled_figure(row: dict, column: str) -> bool:
    """A count or same-month ratio whose own basis is modelled (basis.MEASURE_BASIS)."""
    bases = basis.MEASURE_BASIS.get(column)
    return bool(bases) and row.get(column) is not None and any(row.get(b) in (None, "modelled") for b in bases)
