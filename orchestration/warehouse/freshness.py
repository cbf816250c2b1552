"""How stale is too stale, in two senses: when the warehouse was last refreshed, and how far its data reaches.

Refresh age: publishers release monthly and the schedule runs monthly, so anything not refreshed in about
a month means a sensor or the schedule is off, or runs are failing (one rule for Dagster's freshness
policies and `crowdout status`).

Data recency: a warehouse refreshed this morning can still end years ago (the bundled TRAC sample ends
in 2019-09) when a publisher stopped publishing or a connector stopped finding its releases. Each family
declares its publisher's lag (`publication_lag_days` in releases.toml): the month its data should reach
is the last month that ended at least that long ago; a family further behind than the tolerance
(`[recency] tolerance_months`) fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from orchestration.connectors.calendar import last_month_ended, months_between

WARN_AFTER = timedelta(days=32)
FAIL_AFTER = timedelta(days=35)


def state(age: timedelta | None) -> str:
    if age is None:
        return "UNKNOWN"
    if age > FAIL_AFTER:
        return "FAIL"
    return "WARN" if age > WARN_AFTER else "PASS"


@dataclass(frozen=True)
class Recency:
    latest: date | None  # the last month the family's loaded releases reach
    expected: date | None  # the last month they should reach, given the publisher's lag (None: not monthly)
    months_behind: int | None
    state: str  # PASS (reaches it), WARN (behind, within tolerance), FAIL (beyond it), UNKNOWN (no data),
    #             n/a (figures for scattered periods, not a series a publisher extends month by month)


def recency(latest: date | None, today: date, lag_days: int, tolerance_months: int) -> Recency:
    expected = last_month_ended(today, lag_days)
    if latest is None:
        return Recency(None, expected, None, "UNKNOWN")
    behind = months_between(latest, expected)
    verdict = "PASS" if behind <= 0 else "WARN" if behind <= tolerance_months else "FAIL"
    return Recency(latest, expected, max(behind, 0), verdict)
