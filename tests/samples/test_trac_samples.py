"""The bundled TRAC sample pages, read back through the real parser: do they hold what PROVENANCE.md promises?

The expected published figures are written out here rather than imported from the builder, so a change
to the builder's constants cannot silently change what the test checks.
"""

from __future__ import annotations

from statistics import mean

import numpy as np
import pytest

from orchestration.config import RELEASES_TOML, SAMPLE_RELEASES_DIR, read_releases
from orchestration.connectors import trac
from orchestration.samples import build_trac_samples

ROOT = SAMPLE_RELEASES_DIR / "tracreports.org"
BORDER = {"AZ": "Arizona", "CAS": "California, South (San Diego)", "NM": "New Mexico",
          "TXS": "Texas, South (Houston)", "TXW": "Texas, West (San Antonio)"}
SERIES = ("immigration", "overall", "hsaa", "jdea")
PROGRAMS = ("drugs", "weapons", "white_collar_crime", "terrorism", "orgcrime", "regulation")
SMALL = ("terrorism", "orgcrime", "regulation")  # printed in the small-series Table 1 of four figures
# TRAC's bulletin Table 1 figures (trac_published_figures.csv rows read from the bulletin pages).
PUBLISHED = {
    ("immigration", "2018-02"): (5670, -4.9, 14.1, -31.3, -10.3),
    ("immigration", "2018-03"): (7020, 23.9, 21.3, -30.0, -6.7),
    ("immigration", "2018-06"): (12348, 22.2, 79.9, -1.4, 1.4),
    ("jdea", "2018-06"): (1045, 12.6, 5.5, -11.5, -15.4),
}
# TRAC's program bulletin Table 1 figures, printed on the pages they come from (None: a cell TRAC left blank).
PROGRAM_PUBLISHED = {
    # trac.syr.edu/tracreports/bulletins/white_collar_crime/monthlyoct18/fil
    ("white_collar_crime", "2018-10"): (403, -9.8, -1.1, None, None),
    # trac.syr.edu/tracreports/bulletins/terrorism/monthlydec17/fil
    ("terrorism", "2017-12"): (15, 19, -21.2, -37.4),
}
FIGURES = (
    "number_latest_month", "pct_change_prev_month", "pct_change_1yr",
    "pct_change_5yr_incl_magistrate", "pct_change_5yr_excl_magistrate",
)
SMALL_FIGURES = ("number_latest_month", "previous_month_number", "pct_change_1yr", "pct_change_5yr")


@pytest.fixture(scope="module")
def pages():
    """(series, 'YYYY-MM') -> the parsed rows of each raw table of that national page."""
    cfg = read_releases(RELEASES_TOML).families[trac.FAMILY]
    refs = trac.discover(cfg, ROOT.as_uri(), None)
    return {
        (r.params["series"], r.params["month"]): {
            name: table.to_pylist() for name, table in trac.parse(build_trac_samples.page_path(r), r).tables.items()
        }
        for r in refs
    }


def ranked(pages, series, month) -> dict[str, int]:
    return {r["district_name"]: r["prosecutions"] for r in pages[series, month]["trac_district_rankings"]}


def national(pages, series, month) -> int:
    return pages[series, month]["trac_table1"][0]["number_latest_month"]


def months(pages) -> list[str]:
    return sorted({m for _, m in pages})


def non_immigration(pages, month) -> dict[str, int]:
    imm, overall = ranked(pages, "immigration", month), ranked(pages, "overall", month)
    return {d: overall[name] - imm[name] for d, name in BORDER.items()}


def test_national_pages_only_ten_series_three_years(pages):
    assert {s for s, _ in pages} == set(SERIES + PROGRAMS)
    assert len(pages) == 36 * 10
    assert months(pages)[0] == "2016-10" and months(pages)[-1] == "2019-09"
    assert not list(ROOT.rglob("arizona"))  # no per-district page: TRAC publishes none


@pytest.mark.parametrize("key", sorted(PUBLISHED))
def test_trac_bulletin_figures_are_printed_unmarked(pages, key):
    row = pages[key]["trac_table1"][0]
    assert tuple(row[f] for f in FIGURES) == PUBLISHED[key]
    assert row["modelled_figures"] == ""


@pytest.mark.parametrize("key", sorted(PROGRAM_PUBLISHED))
def test_program_bulletin_figures_are_printed_unmarked_blank_cells_blank(pages, key):
    row = pages[key]["trac_table1"][0]
    figures = SMALL_FIGURES if key[0] in SMALL else FIGURES
    assert tuple(row[f] for f in figures) == PROGRAM_PUBLISHED[key]
    assert row["modelled_figures"] == ""


def test_everything_else_is_marked_modelled(pages):
    for key, tables in pages.items():
        figures = SMALL_FIGURES if key[0] in SMALL else FIGURES
        if key not in PUBLISHED and key not in PROGRAM_PUBLISHED:
            assert set(tables["trac_table1"][0]["modelled_figures"].split(",")) == set(figures), key
        assert all("prosecutions" in r["modelled_figures"] for r in tables["trac_lead_charges"]), key
        assert all({"prosecutions", "per_capita_rate", "pct_change_1yr", "pct_change_5yr"}
                   <= set(r["modelled_figures"].split(",")) for r in tables["trac_district_rankings"]), key


def test_the_sample_does_not_reproduce_trac_s_five_district_sums_by_construction(pages):
    """TRAC printed 1,093 and 703 for the five districts; the modelled districts come near, not exactly, so
    the warehouse's check of those figures against the districts' sum is a real one."""
    assert sum(non_immigration(pages, "2018-03").values()) != 1093
    assert sum(non_immigration(pages, "2018-06").values()) != 703
    assert abs(sum(non_immigration(pages, "2018-03").values()) - 1093) < 60
    assert abs(sum(non_immigration(pages, "2018-06").values()) - 703) < 60


def test_district_shares_vary_by_district_and_month(pages):
    """Not one weight times a total: the districts' falls from March to June 2018 differ, and their series
    do not move in lockstep with the five-district total."""
    falls = {d: non_immigration(pages, "2018-06")[d] / non_immigration(pages, "2018-03")[d] - 1 for d in BORDER}
    assert max(falls.values()) - min(falls.values()) > 0.2
    series = {d: [non_immigration(pages, m)[d] for m in months(pages)] for d in BORDER}
    total = np.sum(list(series.values()), axis=0)
    assert min(np.corrcoef(series[d], total)[0, 1] for d in BORDER) < 0.9


def test_no_district_exceeds_the_nation_and_immigration_never_exceeds_overall(pages):
    for month in months(pages):
        for series in SERIES:
            assert sum(ranked(pages, series, month).values()) <= national(pages, series, month), (series, month)
        assert national(pages, "immigration", month) <= national(pages, "overall", month)
        assert all(v > 0 for v in non_immigration(pages, month).values()), month


def test_zero_tolerance_spike_peaks_in_june_2018_and_fades(pages):
    imm = {m: national(pages, "immigration", m) for m in months(pages)}
    assert max(imm, key=imm.get) == "2018-06"
    spike = ("2018-04", "2018-05", "2018-06", "2018-07")
    assert mean(imm[m] for m in months(pages) if m >= "2018-08") < mean(imm[m] for m in spike)
    border_non = {m: sum(non_immigration(pages, m).values()) for m in months(pages)}
    assert max(border_non[m] for m in spike) < min(border_non[m] for m in ("2018-01", "2018-02", "2018-03"))


def test_rankings_hold_ten_districts_and_the_border_five_in_immigration_and_overall(pages):
    for (series, _month), tables in pages.items():
        ranking = tables["trac_district_rankings"]
        if series in PROGRAMS:  # the program pages carry Table 1 and its sentence only (PROVENANCE.md)
            assert ranking == [] and tables["trac_lead_charges"] == []
            continue
        assert [r["rank"] for r in ranking] == list(range(1, 11))
        assert [r["prosecutions"] for r in ranking] == sorted((r["prosecutions"] for r in ranking), reverse=True)
        if series in ("immigration", "overall"):
            assert set(BORDER.values()) <= {r["district_name"] for r in ranking}


def test_a_border_district_left_out_of_a_ranking_exists(pages):
    """New Mexico is never among TRAC's top ten DEA districts here: the warehouse must show it as missing."""
    assert all("New Mexico" not in ranked(pages, "jdea", m) for m in months(pages))


def test_lead_charges_rank_down_and_fit_the_nation(pages):
    for (series, month), tables in pages.items():
        charges = tables["trac_lead_charges"]
        assert [r["rank"] for r in charges] == list(range(1, len(charges) + 1))
        assert sum(r["prosecutions"] for r in charges) <= national(pages, series, month)


def test_every_page_carries_the_sample_banner_and_both_table1_layouts_occur(pages):
    texts = [p.read_text(encoding="utf-8") for p in ROOT.rglob("index.html")]
    assert all("crowdout SAMPLE page" in t and "modelled values" in t for t in texts)
    layouts = {tables["trac_table1"][0]["table1_layout"] for tables in pages.values()}
    assert layouts == {"labels", "numbers_first"}


def test_program_levels_are_plausible_and_small_series_print_the_previous_month(pages):
    """Monthly national levels in the ranges TRAC's totals give (drugs near 2,000, weapons 600-1,000, white
    collar 400-600, the small series tens), each page's previous month the previous page's count."""
    ranges = {"drugs": (1400, 2300), "weapons": (500, 1100), "white_collar_crime": (300, 650),
              "terrorism": (1, 60), "orgcrime": (20, 150), "regulation": (10, 100)}
    for series, (low, high) in ranges.items():
        counts = [national(pages, series, m) for m in months(pages)]
        assert low <= min(counts) and max(counts) <= high, series
    for series in SMALL:
        for before, month in zip(months(pages), months(pages)[1:]):
            assert pages[series, month]["trac_table1"][0]["previous_month_number"] == national(pages, series, before)


def test_regenerating_writes_identical_bytes(tmp_path):
    out = tmp_path / "tracreports.org"
    written = build_trac_samples.build(out)
    committed = sorted(p.relative_to(ROOT) for p in ROOT.rglob("*") if p.is_file())
    assert sorted(p.relative_to(out) for p in written) == committed
    differing = [p for p in committed if (out / p).read_bytes() != (ROOT / p).read_bytes()]
    assert differing == []
