"""The displacement mart's three counterfactuals, and the one definition of "missing prosecutions over a
range of months" that `crowdout metrics`, the report and its charts all use, so they cannot disagree.

The mart counts missing prosecutions over its policy window only (dbt vars policy_start and policy_end:
missing_* is NULL outside it) and its cumulative_missing_* runs over that window. A total over a range of
months is therefore the sum of missing_* over the range's months inside the window, and like the
cumulative it is unknown (None) as soon as one of those months lacks a figure: for a range that starts at
or before the window, it is the cumulative column at the range's last month inside the window.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Counterfactual:
    suffix: str  # of expected_non_immigration*, missing_non_immigration*, cumulative_missing_non_immigration*
    label: str
    meaning: str

    @property
    def expected(self) -> str:
        return f"expected_non_immigration{self.suffix}"

    @property
    def missing(self) -> str:
        return f"missing_non_immigration{self.suffix}"

    @property
    def cumulative(self) -> str:
        return f"cumulative_missing_non_immigration{self.suffix}"


COUNTERFACTUALS = (
    Counterfactual("", "pre-baseline mean",
                   "flat: the mean month of those before the baseline (dbt var counterfactual_months, 12)"),
    Counterfactual("_year_ago", "same month a year earlier", "keeps the season, not the trend"),
    Counterfactual("_trend", "pre-period trend with seasonality",
                   "a linear trend plus month-of-year effects, fitted on the months before the baseline "
                   "(dbt var trend_months, 24)"),
)
FLAT = COUNTERFACTUALS[0]


def _known(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def window_rows(rows: list[dict]) -> list[dict]:
    """The rows whose month lies in the mart's missing window (policy_start to policy_end)."""
    return [r for r in rows if _known(r.get("policy_start")) and r["policy_start"] <= r["month"] <= r["policy_end"]]


def window_span(rows: list[dict]) -> tuple[dt.date, dt.date] | None:
    """First and last month of the range that lie in the window; None if none does."""
    inside = window_rows(rows)
    return (min(r["month"] for r in inside), max(r["month"] for r in inside)) if inside else None


def window_sum(rows: list[dict], column: str) -> float | None:
    """The sum of `column` over the rows in the window (missing prosecutions of any series, e.g. a program's
    in `crowdout metrics --by program`); None if no row is in it or one of them has no figure."""
    inside = window_rows(rows)
    if not inside or not all(_known(r.get(column)) for r in inside):
        return None
    return float(sum(r[column] for r in inside))


def missing_total(rows: list[dict], counterfactual: Counterfactual = FLAT) -> float | None:
    """Missing prosecutions against `counterfactual` over `rows` (one geography's months): the sum of its
    missing column over the months in the window; None if no month is in it or one of them has no figure."""
    return window_sum(rows, counterfactual.missing)


def expected_total(rows: list[dict], counterfactual: Counterfactual = FLAT) -> float | None:
    """Expected prosecutions over the same months as `missing_total`."""
    return window_sum(rows, counterfactual.expected)


def actual_total(rows: list[dict]) -> float | None:
    return window_sum(rows, "non_immigration_prosecutions")
