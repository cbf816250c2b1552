"""Fiscal months onto calendar months: the October boundary is where a release would shift a year."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from orchestration.connectors import calendar
from orchestration.connectors.calendar import fiscal_month, fiscal_to_calendar, fiscal_year, month_number

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("label", "number"),
    [("APR", 4), ("Apr", 4), ("april", 4), ("06 March", 3), ("12 September", 9), ("Sept", 9), ("may", 5), ("OCT", 10)],
)
def test_month_labels_of_every_publisher(label, number):
    assert month_number(label) == number


@pytest.mark.parametrize("label", ["", "ma", "13", "Smarch", "April 2018", "yearly total"])
def test_anything_else_is_not_a_month(label):
    with pytest.raises(ValueError, match="not a month"):
        month_number(label)


def test_fiscal_years_start_in_october_of_the_year_before():
    assert fiscal_to_calendar(2018, 10) == date(2017, 10, 1)
    assert fiscal_to_calendar(2018, 12) == date(2017, 12, 1)
    assert fiscal_to_calendar(2018, 1) == date(2018, 1, 1)
    assert fiscal_to_calendar(2018, 9) == date(2018, 9, 1)
    with pytest.raises(ValueError):
        fiscal_to_calendar(2018, 13)


def test_fiscal_year_labels():
    assert fiscal_year("2025 (FYTD)") == 2025
    assert fiscal_month("2025 (FYTD)", "NOV") == date(2024, 11, 1)
    assert fiscal_month(2000, "01 October") == date(1999, 10, 1)
    with pytest.raises(ValueError, match="not a fiscal year"):
        fiscal_year("FY25")


@pytest.mark.parametrize(("name", "number"), [("september", 9), ("June", 6), ("DECEMBER", 12)])
def test_full_names_in_any_case(name, number):
    assert calendar.full_name_number(name) == number


@pytest.mark.parametrize("name", ["Sept", "Jun", "data", "", "Junee"])
def test_a_full_name_is_not_an_abbreviation(name):
    """EOUSA writes "September 2019 data files": a shorter word there is not read as a month."""
    with pytest.raises(ValueError, match="not a month's full name"):
        calendar.full_name_number(name)


def test_three_letter_names_both_ways():
    assert [calendar.abbreviation(m) for m in (1, 6, 9, 12)] == ["jan", "jun", "sep", "dec"]
    assert [calendar.abbreviation_number(a) for a in ("jan", "JUN", "Sep", "dec")] == [1, 6, 9, 12]
    assert all(calendar.abbreviation_number(calendar.abbreviation(m)) == m for m in range(1, 13))
    for bad in ("jux", "june", "ju", ""):
        with pytest.raises(ValueError, match="three-letter"):
            calendar.abbreviation_number(bad)
    with pytest.raises(ValueError, match="not a month number"):
        calendar.abbreviation(13)


def test_a_month_as_trac_writes_it():
    assert calendar.month_and_year(date(2018, 6, 17)) == "June 2018"


def test_the_name_pattern_finds_a_month_in_prose():
    m = re.search(rf"for ({calendar.MONTH_NAME_PATTERN}) (\d{{4}})", "Prosecutions for September 2019", re.I)
    assert m and month_number(m.group(1)) == 9


def test_fiscal_order_runs_october_to_september():
    assert [fiscal_to_calendar(2020, m) for m in calendar.FISCAL_ORDER] == calendar.month_range(
        date(2019, 10, 1), date(2020, 9, 1))


def test_month_arithmetic():
    assert calendar.month_start("2018-06") == calendar.month_start(date(2018, 6, 17)) == date(2018, 6, 1)
    assert calendar.add_months(date(2018, 11, 1), 2) == date(2019, 1, 1)
    assert calendar.add_months(date(2018, 1, 1), -1) == date(2017, 12, 1)
    assert calendar.add_months(date(2018, 6, 1), -60) == date(2013, 6, 1)
    assert calendar.months_between(date(2019, 9, 1), date(2026, 9, 1)) == 84
    assert calendar.months_between(date(2019, 9, 1), date(2019, 8, 1)) == -1
    assert calendar.month_range(date(2018, 11, 1), date(2019, 2, 1)) == [
        date(2018, 11, 1), date(2018, 12, 1), date(2019, 1, 1), date(2019, 2, 1)]
    assert calendar.month_range(date(2019, 2, 1), date(2018, 11, 1)) == []


@pytest.mark.parametrize(
    ("today", "lag", "month"),
    [
        (date(2026, 11, 30), 45, date(2026, 9, 1)),  # cutoff 16 October: September has ended
        (date(2026, 11, 13), 45, date(2026, 8, 1)),  # cutoff 29 September: September not over
        (date(2026, 11, 14), 45, date(2026, 9, 1)),  # cutoff 30 September: its last day, so over
        (date(2026, 3, 31), 0, date(2026, 3, 1)),
        (date(2026, 1, 10), 45, date(2025, 10, 1)),  # across a year end
    ],
)
def test_last_month_ended_a_lag_ago(today, lag, month):
    assert calendar.last_month_ended(today, lag) == month


# Three or more month names in a row, in calendar or fiscal order, in any spelling: a month-name table.
_TABLE = re.compile(
    r"(?i)\bjan(?:uary)?\b\W{1,8}feb(?:ruary)?\b\W{1,8}mar(?:ch)?\b"
    r"|\boct(?:ober)?\b\W{1,8}nov(?:ember)?\b\W{1,8}dec(?:ember)?\b"
)


def test_calendar_holds_the_only_month_name_table():
    """Every connector, sample builder and benchmark spells months from calendar.MONTH_NAMES, so a
    spelling fixed there is fixed everywhere."""
    own = ROOT / "orchestration" / "connectors" / "calendar.py"
    assert _TABLE.search(own.read_text(encoding="utf-8"))  # the pattern finds the one table there is
    tables = [
        str(p.relative_to(ROOT))
        for folder in ("orchestration", "benchmarks")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if p != own and _TABLE.search(p.read_text(encoding="utf-8"))
    ]
    assert tables == []
