"""The few figures an analyst checks after a refresh, read from the published warehouse.

The 2018 story in five numbers (SW_BORDER, March against June: non-immigration prosecutions, their
share, CBP-referred prosecutions, Border Patrol apprehensions) plus how many releases fed them and
whether any was modelled: if these look wrong, nothing downstream is worth reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.analysis.reader import reading, require_table

MART = "marts.fct_displacement_district_month"
GEOGRAPHY = "SW_BORDER"
MONTHS = (date(2018, 3, 1), date(2018, 6, 1))
FIGURES = (
    ("non_immigration_prosecutions", "Non-immigration prosecutions"),
    ("non_immigration_share", "Non-immigration share"),
    ("cbp_referred_prosecutions", "CBP-referred prosecutions"),
    ("bp_apprehensions", "BP apprehensions"),
)


@dataclass(frozen=True)
class Summary:
    months: tuple[date, ...]
    figures: dict[str, dict[date, float | int | None]]  # column -> month -> value
    modelled_months: tuple[date, ...]
    releases_loaded: int
    modelled_releases: int
    families: int


def read_summary(warehouse: Path) -> Summary:
    with reading(warehouse) as con:
        require_table(con, MART)
        columns = ", ".join(c for c, _ in FIGURES)
        rows = con.execute(
            f"SELECT month, is_modelled, {columns} FROM {MART} WHERE geography = ? AND month IN (?, ?)",
            [GEOGRAPHY, *MONTHS],
        ).fetchall()
        loaded, modelled, families = con.execute(
            """SELECT count(*), count(*) FILTER (WHERE is_modelled), count(DISTINCT family)
               FROM meta.releases WHERE status = 'loaded'"""
        ).fetchone()
    by_month = {r[0]: r for r in rows}
    figures = {
        column: {m: (by_month[m][i + 2] if m in by_month else None) for m in MONTHS}
        for i, (column, _) in enumerate(FIGURES)
    }
    return Summary(
        months=MONTHS,
        figures=figures,
        modelled_months=tuple(m for m in MONTHS if m in by_month and by_month[m][1]),
        releases_loaded=loaded,
        modelled_releases=modelled,
        families=families,
    )


def change(before: float | int | None, after: float | int | None) -> float | None:
    if before in (None, 0) or after is None:
        return None
    return (after - before) / before
