"""Figures as their publishers printed them, drawn on the report's charts as published marks.

Two homes, one per publisher, so no figure is kept twice:
- TRAC's figures come from the warehouse: `marts.fct_published_figure_checks`, which holds every row of the
  curated trac-published-figures release (orchestration/published/trac_published_figures.csv, loaded like
  any release, with its provenance). A monthly figure for one geography is a mark; a percentage is drawn
  as the fraction the warehouse stores.
- Border Patrol's exact southwest-border apprehensions, October 2016 - September 2019, are in no release
  the warehouse loads (OHSS's series, the one it loads, rounds each sector to 10), so they stay package
  data here, `cbp_monthly_apprehensions.csv`, each row with its publisher, URL and note: CBP's PDF "U.S.
  Border Patrol Monthly Apprehensions (FY 2000 - FY 2019)" as cleaned by github.com/jacobkap/borderpatrol
  (MIT) @ 7a691df9, its `southwest border` rows.
The charts draw every mark that falls inside the months they show.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

CBP_APPREHENSIONS = Path(__file__).with_name("cbp_monthly_apprehensions.csv")
CBP_SOURCE = "CBP, U.S. Border Patrol Monthly Apprehensions FY2000-FY2019 (PDF, Jan 2020)"
# the report's columns as fct_published_figure_checks names TRAC's series
TRAC_SERIES = {"cbp_referred_prosecutions": "cbp_referred", "non_immigration_prosecutions": "non_immigration",
               "non_immigration_share": "non_immigration_share"}


@dataclass(frozen=True)
class Marks:
    """One column's published figures for one geography, and who published them."""

    publisher: str  # TRAC | CBP
    points: tuple[tuple[dt.date, float], ...]  # (month, value), by month


def trac(checks: pd.DataFrame, geography: str, column: str) -> Marks:
    """TRAC's monthly figures for `column` in `geography`, from the checks mart (period_start as date)."""
    rows = checks[(checks["geography"] == geography) & (checks["series"] == TRAC_SERIES[column])
                  & (checks["period_start"] == checks["period_end"])]
    points = sorted((month, float(value) / (100 if unit == "percent" else 1))
                    for month, value, unit in zip(rows["period_start"], rows["published_value"], rows["unit"]))
    return Marks("TRAC", tuple(points))


@cache
def _cbp_rows() -> tuple[dict, ...]:
    with CBP_APPREHENSIONS.open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def cbp_apprehensions(geography: str) -> Marks:
    """CBP's exact monthly Border Patrol apprehensions for `geography` (the file holds SW_BORDER's)."""
    return Marks("CBP", tuple(sorted((dt.date.fromisoformat(r["month"]), float(r["value"])) for r in _cbp_rows()
                                     if r["geography"] == geography and r["column"] == "bp_apprehensions")))


def marks(checks: pd.DataFrame, geography: str = "SW_BORDER") -> dict[str, Marks]:
    """Every column's published marks for `geography`: TRAC's from the warehouse, CBP's apprehensions."""
    out = {column: trac(checks, geography, column) for column in TRAC_SERIES}
    out["bp_apprehensions"] = cbp_apprehensions(geography)
    return out
