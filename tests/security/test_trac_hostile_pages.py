"""A crafted TRAC page gets its answer (figures or a clear error) in linear time, not after minutes.

The hostile inputs are the ones reported (issue 21): body text that made the small-series sentence pattern
backtrack (cubic in its repeats: 35 KB held the writer lock 42 s, 87 KB ran past 300 s), a heading that made
the title pattern scan to its end from every position, and thousands of Table 1 label rows (quadratic). Each
page is parsed in a fresh interpreter with a timeout no linear parser comes near (the previous parser takes
minutes on each); the test asserts the result, never a time.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

LABELS = ["Number Latest Month", "Percent Change from previous month", "Percent Change from 1 year ago",
          "Percent Change from 5 years ago (Including Magistrate Court)",
          "Percent Change from 5 years ago (Excluding Magistrate Court)"]
# A generous bound, for a loaded CI machine: the parser needs well under a second for each page here.
TIMEOUT_SECONDS = 120


def _page(title: str, body: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def _repeated(unit: str, kilobytes: int) -> str:
    return unit * (kilobytes * 1024 // len(unit))


HOSTILE = {
    # "reported N new" over and over, never "the previous month": every start, every end, every middle.
    "sentence-87kb": (_page("Immigration Prosecutions for June 2018",
                            "<p>" + _repeated("the government reported 1 new prosecutions ", 87) + "</p>"),
                      "no 'Table 1' caption and no 'reported N new"),
    # "Prosecutions for <Month>" and never a year, in a heading of 150 KB.
    "heading-150kb": (_page("x", "<h2>" + _repeated("Prosecutions for June ", 150) + "</h2>"),
                      "names no bulletin month"),
    # 5,000 Table 1 label rows with no figure beside them (2,000 took the previous parser 13 s to 57 s).
    "label-rows-5000": (_page("Immigration Prosecutions for June 2018", "<table>" + "".join(
        f"<tr><td>{LABELS[i % 5]}</td></tr>" for i in range(5000)) + "<tr><td>Table 1. x</td></tr></table>"),
                        "has over 64 cells"),
    # A count of 5,000 digits: refused as a count, not left to int(), which refuses past 4,300 digits with a
    # ValueError (a traceback, not the release and the problem).
    "count-5000-digits": (_page("Immigration Prosecutions for June 2018", "<table><tr><td>Number Latest Month</td><td>"
                                + "9" * 5000 + "</td></tr>" + "".join(f"<tr><td>{label}</td><td>1.0</td></tr>"
                                                                     for label in LABELS[1:])
                                + "<tr><td>Table 1. Criminal Immigration Prosecutions</td></tr></table>"),
                          "is not a count"),
    # A title of 100 KB around a real one: read up to its first few hundred characters.
    "title-100kb": (_page("Immigration Prosecutions for June 2018 " + _repeated("| TRAC ", 100),
                          "<table><tr><td>12,348</td><td>22.2</td><td>79.9</td><td>-1.4</td><td>1.4</td></tr>"
                          "<tr><td>Table 1. Criminal Immigration Prosecutions</td></tr></table>"),
                    "12348 immigration 2018-06-01"),
}

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from orchestration.connectors import trac
    from orchestration.connectors.release import ParseError, ReleaseRef
    ref = ReleaseRef(family=trac.FAMILY, url="file:///saved/page.html", key="page.html")
    try:
        row = trac.parse(Path(sys.argv[1]), ref).tables["trac_table1"].to_pylist()[0]
    except ParseError as exc:
        print(exc)
    else:
        print(row["number_latest_month"], row["series"], row["month"])
""")


@pytest.mark.parametrize("name", list(HOSTILE))
def test_crafted_page_is_answered_not_backtracked_on(tmp_path, name):
    page, expected = HOSTILE[name]
    path = tmp_path / "page.html"
    path.write_bytes(page)
    try:
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: the parser was still running after {TIMEOUT_SECONDS} s on a {len(page):,}-byte page")
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout, done.stdout
