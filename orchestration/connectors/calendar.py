"""Fiscal-year arithmetic, month arithmetic and the month names publishers use, in one place.

CBP, OHSS, TRAC and EOUSA all count in federal fiscal years (October to September) and spell months
differently (`APR`, `06 March`, `april`, TRAC's URL `monthlyjun18`, EOUSA's `September 2019 data files`);
every connector must map them onto the same calendar month, or a release would silently shift by a year
at the October boundary. `MONTH_NAMES` is the one month-name table: every other spelling is derived from it,
in English whatever the process locale (strftime's `%b` and `%B` would not be).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# A regex alternative of the full names, for patterns that find a month in prose ("Prosecutions for June 2018").
MONTH_NAME_PATTERN = "|".join(MONTH_NAMES)
# Calendar month numbers in fiscal-year order: October first, September last.
FISCAL_ORDER = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)

_FULL = {name.lower(): number for number, name in enumerate(MONTH_NAMES, start=1)}
_ABBREVIATED = {name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, start=1)}
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
        for full, number in _FULL.items():
            if full.startswith(name):
                return number
    raise ValueError(f"not a month: {label!r}")


def full_name_number(name: str) -> int:
    """1-12 for a month's full name in any case (`september`, `June`); ValueError for anything else,
    abbreviations included: where a publisher always writes names out, anything shorter is not a month."""
    try:
        return _FULL[name.lower()]
    except KeyError:
        raise ValueError(f"not a month's full name: {name!r}") from None


def month_and_year(month: date) -> str:
    """`June 2018`, as TRAC's bulletins write a month."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def abbreviation(month: int) -> str:
    """`jan`..`dec`: the three-letter lower-case name of month 1-12 (TRAC's URLs; callers upper() it
    for CBP's `MONTH_ABBV` and NCD's `01-JAN-2019`)."""
    if not 1 <= month <= 12:
        raise ValueError(f"not a month number: {month}")
    return MONTH_NAMES[month - 1][:3].lower()


def abbreviation_number(text: str) -> int:
    """1-12 for exactly a three-letter name in any case (`jun`, `NOV`); ValueError for anything else."""
    try:
        return _ABBREVIATED[text.lower()]
    except KeyError:
        raise ValueError(f"not a three-letter month name: {text!r}") from None


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


def month_start(value: date | str) -> date:
    """The first of the month of a date, or of a 'YYYY-MM' string as the CLI, releases.toml and params
    spell months."""
    if isinstance(value, date):
        return value.replace(day=1)
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def add_months(month: date, n: int) -> date:
    """The first of the month n months after `month` (before, if n < 0)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """How many months `last`'s month is after `first`'s (negative if before)."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_range(first: date, last: date) -> list[date]:
    """First days of the months from `first` to `last`, both included (none if `last` is before `first`)."""
    return [add_months(first, i) for i in range(months_between(first, last) + 1)]


def last_month_ended(today: date, lag_days: int) -> date:
    """The first day of the last month that ended at least `lag_days` before `today`: the newest month a
    publisher that needs `lag_days` after a month's end should have published by `today`."""
    cutoff = today - timedelta(days=lag_days)
    return add_months((cutoff + timedelta(days=1)).replace(day=1), -1)
