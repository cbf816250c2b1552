"""Progress when stderr is not a terminal (cron, a log file): plain lines, one per finished unit."""

from __future__ import annotations

import io
import re

from orchestration.analysis.progress import steps


def test_plain_lines_when_not_a_terminal():
    log = io.StringIO()
    with steps("refresh", 3, stream=log) as step:
        step("trac_bulletin")
        step("dbt_models")
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in log.getvalue()  # no bar redraws, no colour codes
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ refresh 1/3 trac_bulletin \(\d+s\)", lines[0])
    assert lines[1].split()[1:4] == ["refresh", "2/3", "dbt_models"]
