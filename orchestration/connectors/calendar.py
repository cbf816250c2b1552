"""Fiscal-year arithmetic and the month labels publishers use, in one place.

CBP, OHSS and TRAC all count in federal fiscal years (October to September) and spell months
differently (`APR`, `06 March`, `april`); every connector must map them onto the same calendar
month, or a release would silently shift by a year at the October boundary.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)
_FISCAL_YEAR = re.compile(r"\s*(\d{4})\b")
_LABEL = re.compile(r"\s*(?:\d{1,2}\s+)?([A-Za-z]{3,})\.?\s*")


def month_number(label: str) -> int:
    """1-12 for `APR`, `Apr`, `april`, `Sept` or `06 March`; ValueError for anything else.

    A numeric prefix (`06 March`, OHSS's fiscal-order sort key) is ignored: the name is what the
    publisher means, the number only orders the rows.
    """
    m = _LABEL.fullmatch(label)
    if m:
        name = m.group(1).lower()
        for number, full in enumerate(_MONTHS, start=1):
            if full.startswith(name):
                return number
    raise ValueError(f"not a month: {label!r}")


def fiscal_year(text: str) -> int:
    """The fiscal year in `2023` or `2025 (FYTD)`; ValueError for anything else."""
    m = _FISCAL_YEAR.match(text)
    if not m:
        raise ValueError(f"not a fiscal year: {text!r}")
    return int(m.group(1))


def fiscal_to_calendar(fy: int, month: int) -> date:
    """The first day of calendar month `month` of fiscal year `fy` (October-December fall in fy-1)."""
    if not 1 <= month <= 12:
        raise ValueError(f"not a month number: {month}")
    if not 1 <= fy <= 9999:  # date() overflows, rather than raising ValueError, on huge years
        raise ValueError(f"not a fiscal year: {fy}")
    return date(fy - 1 if month >= 10 else fy, month, 1)


def fiscal_month(fy: str | int, month_label: str) -> date:
    """The calendar month a publisher's (fiscal year, month label) pair means, e.g. (2020, 'OCT') -> 2019-10-01."""
    return fiscal_to_calendar(fy if isinstance(fy, int) else fiscal_year(fy), month_number(month_label))
