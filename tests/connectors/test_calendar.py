"""Fiscal months onto calendar months: the October boundary is where a release would shift a year."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.connectors.calendar import fiscal_month, fiscal_to_calendar, fiscal_year, month_number


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
