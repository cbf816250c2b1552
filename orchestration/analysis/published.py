"""Figures as their publishers printed them, drawn on the report's charts as published marks.

`published_figures.csv` (package data) holds every monthly southwest-border figure the project has a
published source for, each with its publisher, URL and a note:
- the five border districts' TRAC sums (CBP-referred prosecutions January and March-June 2018,
  non-immigration prosecutions and their share in March and June 2018), transcribed from TRAC's reports
  and the press that quoted them (shared/data/reference/trac_published_figures.csv);
- Border Patrol's exact southwest-border apprehensions, October 2016 - September 2019, from CBP's PDF
  "U.S. Border Patrol Monthly Apprehensions (FY 2000 - FY 2019)" as cleaned by
  github.com/jacobkap/borderpatrol (MIT) @ 7a691df9 (shared/data/reference/
  usbp_monthly_apprehensions_by_sector_fy2000_fy2019.csv, its `southwest border` rows).
The charts draw every one of them that falls inside the months they show.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from pathlib import Path

FIGURES = Path(__file__).with_name("published_figures.csv")
PUBLISHERS = ("TRAC reports and press releases quoted in the seed article (five-district sums); "
              "CBP, U.S. Border Patrol Monthly Apprehensions FY2000-FY2019 (PDF, Jan 2020)")


@cache
def _rows() -> tuple[dict, ...]:
    with FIGURES.open(newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def points(geography: str, column: str) -> list[tuple[dt.date, float]]:
    """(month, value) of every published figure for `column` in `geography`, by month."""
    return sorted((dt.date.fromisoformat(r["month"]), float(r["value"])) for r in _rows()
                  if r["geography"] == geography and r["column"] == column)
