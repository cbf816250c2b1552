"""How stale is too stale: one rule for Dagster's freshness policies and `crowdout status`.

Publishers release monthly and the schedule runs monthly, so anything not refreshed in about a month
means a sensor or the schedule is off, or runs are failing.
"""

from __future__ import annotations

from datetime import timedelta

WARN_AFTER = timedelta(days=32)
FAIL_AFTER = timedelta(days=35)


def state(age: timedelta | None) -> str:
    if age is None:
        return "UNKNOWN"
    if age > FAIL_AFTER:
        return "FAIL"
    return "WARN" if age > WARN_AFTER else "PASS"
