"""crowdout's curated file of TRAC's published figures, read as a release: every row, every period form."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.config import RELEASES_TOML, read_releases
from orchestration.connectors import published_figures
from orchestration.connectors.catalog import get_family
from orchestration.connectors.release import ParseError


@pytest.fixture(scope="module")
def ref():
    cfg = read_releases(RELEASES_TOML).families[published_figures.FAMILY]
    [r] = published_figures.discover(cfg, "https://tracreports.org", None, live=True)
    return r


def test_the_family_is_registered_and_reads_the_file_in_the_repository(ref):
    assert get_family("trac-published-figures") is published_figures.PUBLISHED_FIGURES
    assert ref.url == (published_figures.FOLDER / "trac_published_figures.csv").as_uri()


def test_every_figure_is_read_with_its_source(ref):
    rows = published_figures.parse(published_figures.FOLDER / "trac_published_figures.csv", ref).tables[
        published_figures.TABLE].to_pylist()
    assert len(rows) == 53 and all(r["source_url"] for r in rows)
    by_key = {(r["series"], r["geography"], r["period"]): r for r in rows}
    non_imm = by_key["non_immigration_prosecutions", "5 SW border districts", "2018-03"]
    assert (non_imm["value"], non_imm["period_start"], non_imm["period_end"]) == (1093, date(2018, 3, 1), date(2018, 3, 1))
    june = by_key["immigration_prosecutions", "US (all 94 districts)", "2018-06"]
    assert (june["value"], june["pct_chg_prev_month"], june["pct_chg_5yr_excl_magistrate"]) == (12348, 22.2, 1.4)


@pytest.mark.parametrize("period, start, end", [
    ("FY2017", date(2016, 10, 1), date(2017, 9, 1)),
    ("2017-01..2017-04", date(2017, 1, 1), date(2017, 4, 1)),
    ("FY2016 (Oct-May)", date(2015, 10, 1), date(2016, 5, 1)),
])
def test_periods_become_first_and_last_month(ref, period, start, end):
    rows = published_figures.parse(published_figures.FOLDER / "trac_published_figures.csv", ref).tables[
        published_figures.TABLE].to_pylist()
    assert (start, end) in {(r["period_start"], r["period_end"]) for r in rows if r["period"] == period}


@pytest.mark.parametrize("old, new, problem", [
    (",2018-03,1093,", ",March 2018,1093,", "period 'March 2018' is not YYYY-MM"),
    (",2018-03,1093,", ",2018-03,about 1100,", "value 'about 1100' is not a number"),
    ("source_url,note", "url,note", "missing 'source_url'"),
])
def test_a_bad_row_names_its_line_and_problem(tmp_path, ref, old, new, problem):
    text = (published_figures.FOLDER / "trac_published_figures.csv").read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "figures.csv"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ParseError, match=problem):
        published_figures.parse(bad, ref)
