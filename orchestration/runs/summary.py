"""The few figures an analyst checks after a refresh, read from the published warehouse.

The 2018 story in five numbers (SW_BORDER, March against June: non-immigration prosecutions, their
share, CBP-referred prosecutions, Border Patrol apprehensions) plus how many releases fed them: if these
look wrong, nothing downstream is worth reading. Each figure says its own basis (published, derived or
modelled: its measure's basis, not the row's conservative flag, so OHSS's real apprehensions are not called
modelled) beside what the seed article published (reconcile.SEED_ARTICLE), so a modelled number cannot pass
for a real one; and the reconciliation lines say which agreements hold by construction (a published figure
loaded as is) and which are independent checks, as marts.fct_published_figure_checks says (reconcile reads
its rows: one implementation of the check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.analysis import basis, reconcile
from orchestration.analysis.reader import reading, require_table

MART = "marts.fct_displacement_district_month"
GEOGRAPHY = "SW_BORDER"
MONTHS = (date(2018, 3, 1), date(2018, 6, 1))
FIGURES = (  # short labels: the table fits an 80-column terminal
    ("non_immigration_prosecutions", "Non-immigration"),
    ("non_immigration_share", "Non-imm share"),
    ("cbp_referred_prosecutions", "CBP-referred"),
    ("bp_apprehensions", "BP apprehensions"),
)


@dataclass(frozen=True)
class Summary:
    months: tuple[date, ...]
    figures: dict[str, dict[date, float | int | None]]  # column -> month -> value
    # column -> its measure's flag is set in either month; None where the warehouse has neither figure
    modelled: dict[str, bool | None]
    bases: dict[str, str]  # column -> its basis in the two months, in words ("published", "modelled / derived")
    published: dict[str, tuple[reconcile.Figure, ...]]  # column -> the seed article's figures, by month
    prosecutions_modelled: bool | None
    apprehensions_modelled: bool | None
    releases_loaded: int
    modelled_releases: int
    families: int
    comparisons: tuple[reconcile.Comparison, ...] = ()
    agreement_counts: dict[str, int] | None = None  # fct_published_figure_checks by agreement


def read_summary(warehouse: Path) -> Summary:
    with reading(warehouse) as con:
        require_table(con, MART)
        rows = con.execute(f"SELECT * FROM {MART} WHERE geography = ? AND month IN (?, ?)",
                           [GEOGRAPHY, *MONTHS]).df()
        loaded, modelled, families = con.execute(
            """SELECT count(*), count(*) FILTER (WHERE is_modelled), count(DISTINCT family)
               FROM meta.releases WHERE status = 'loaded'"""
        ).fetchall()[0]
        checks = reconcile.read_checks(con) if _has_table(con, reconcile.CHECKS) else None
    rows["month"] = pd.to_datetime(rows["month"]).dt.date
    by_month = {m: r for m, r in zip(rows["month"], rows.to_dict("records"))}
    figures = {
        column: {m: (None if m not in by_month or pd.isna(by_month[m][column]) else by_month[m][column])
                 for m in MONTHS}
        for column, _ in FIGURES
    }

    def flag(column: str) -> bool | None:
        known = rows[column].notna()
        return bool(basis.modelled(rows, column)[known].any()) if known.any() else None

    def words(column: str) -> str:
        known = rows[column].notna()
        labels = list(dict.fromkeys(basis.label(rows[known], column))) if known.any() else []
        return " / ".join(labels) or "n/a"

    return Summary(
        months=MONTHS,
        figures=figures,
        modelled={column: flag(column) for column, _ in FIGURES},
        bases={column: words(column) for column, _ in FIGURES},
        published={column: tuple(sorted((f for f in reconcile.SEED_ARTICLE
                                         if f.column == column and f.kind != "change" and f.month in MONTHS),
                                        key=lambda f: f.month))
                   for column, _ in FIGURES},
        prosecutions_modelled=flag("total_prosecutions"),
        apprehensions_modelled=flag("bp_apprehensions"),
        releases_loaded=loaded,
        modelled_releases=modelled,
        families=families,
        comparisons=tuple(reconcile.compare(rows, checks=checks)),
        agreement_counts=None if checks is None else reconcile.agreement_counts(checks),
    )


def _has_table(con, name: str) -> bool:
    schema, table = name.split(".")
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                            "AND table_name = ?", [schema, table]).fetchall()[0][0])


def change(before: float | int | None, after: float | int | None) -> float | None:
    if before in (None, 0) or after is None:
        return None
    return (after - before) / before


def reconciliation_lines(s: Summary) -> list[str]:
    """Which agreements with the seed article hold by construction and which are independent checks."""
    lines = []
    for c in s.comparisons:
        if c.warehouse is None or c.figure.change_from:
            continue
        line = f"{c.figure.label}: {c.agreement}"
        if not c.by_construction:
            kind = c.figure.kind
            line += (f", {reconcile.fmt(c.warehouse, kind)} against {reconcile.fmt(c.figure.published, kind)} "
                     f"({reconcile.fmt(c.difference, kind, signed=True)}, "
                     f"{'within' if c.agrees else 'outside'} tolerance)")
            if c.modelled:
                line += "; from modelled figures, so it checks the sample's model, not TRAC"
        if c.by_construction and c.independent is not None:
            line += (f"; the bulletins' own sum of the five districts, before any scaling, is "
                     f"{reconcile.fmt(c.independent, c.figure.kind)} "
                     f"({'modelled' if c.independent_modelled else 'derived'}, "
                     f"{reconcile.fmt(c.independent - c.warehouse, c.figure.kind, signed=True)})")
        lines.append(line)
    if s.agreement_counts:
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in s.agreement_counts.items())
        lines.append(f"TRAC's published figures against the warehouse ({reconcile.CHECKS}): {counts}.")
    return lines


def basis_sentence(s: Summary) -> str:
    """What the figures rest on, in one sentence, from the flags: the row-level flag would call everything
    in a month modelled as soon as one input is."""
    prosecutions = {
        True: "District prosecution figures in this sample are modelled (SW_BORDER's non-immigration and "
              "CBP-referred counts are TRAC's published five-district figures, loaded as is, and the modelled "
              "districts are scaled to them)",
        False: "Prosecution figures are TRAC's published pages and figures",
        None: "No prosecution figures for these months",
    }[s.prosecutions_modelled]
    apprehensions = {
        True: "apprehensions are modelled sample figures, not DHS OHSS's release.",
        False: "apprehensions are DHS OHSS's real release.",
        None: "no apprehensions figures.",
    }[s.apprehensions_modelled]
    return "\n".join([f"{prosecutions}; {apprehensions}", *reconciliation_lines(s)])
