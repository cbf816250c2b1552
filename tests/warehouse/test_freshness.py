"""Data recency: how far a family's data reaches against what its publisher's lag says it should."""

from __future__ import annotations

from datetime import date

from orchestration.warehouse import freshness


def test_expected_month_is_the_last_month_ended_a_lag_ago():
    assert freshness.recency(None, date(2026, 11, 30), 45, 1).expected == date(2026, 9, 1)  # cutoff 16 Oct
    assert freshness.recency(None, date(2026, 11, 13), 45, 1).expected == date(2026, 8, 1)  # cutoff 29 Sep
    assert freshness.recency(None, date(2026, 11, 14), 45, 1).expected == date(2026, 9, 1)  # cutoff 30 Sep
    assert freshness.recency(None, date(2026, 3, 31), 0, 1).expected == date(2026, 3, 1)


def test_late_within_tolerance_warns_beyond_it_fails():
    today = date(2026, 11, 30)
    assert freshness.recency(date(2026, 9, 1), today, 45, 1).state == "PASS"
    late = freshness.recency(date(2026, 8, 1), today, 45, 1)
    assert (late.state, late.months_behind) == ("WARN", 1)
    trac_sample = freshness.recency(date(2019, 9, 1), today, 45, 1)
    assert (trac_sample.state, trac_sample.months_behind) == ("FAIL", 84)
    assert freshness.recency(None, today, 45, 1).state == "UNKNOWN"
