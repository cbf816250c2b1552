"""TRAC bulletin discovery and parsing, on fixtures that reproduce each real layout with TRAC's figures.

Each fixture's comment names the real page whose structure it copies (sources.md 1b; README, "TRAC pages
the parser was checked against").
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from orchestration.config import RELEASES_TOML, read_releases
from orchestration.connectors import trac
from orchestration.connectors.release import ParseError, ReleaseRef

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trac"
FIVE = ("number_latest_month", "pct_change_prev_month", "pct_change_1yr",
        "pct_change_5yr_incl_magistrate", "pct_change_5yr_excl_magistrate")


@pytest.fixture(scope="module")
def cfg() -> trac.BulletinConfig:
    return read_releases(RELEASES_TOML).families["trac-bulletin"]


def ref(series: str = "", month: str = "", name: str = "page.html") -> ReleaseRef:
    """A release as discovery names it (series and month promised) or, with none, a page named by hand."""
    params = {"series": series, "month": month} if series else {}
    return ReleaseRef(family=trac.FAMILY, url=f"file:///tmp/{name}", key=f"{series}/{month}" if series else name,
                      params=params)


def table1(name: str, r: ReleaseRef | None = None) -> dict:
    [row] = trac.parse(FIXTURES / name, r or ref(name=name)).tables["trac_table1"].to_pylist()
    return row


# --- discovery --------------------------------------------------------------------------------------


def test_live_discovery_names_only_national_pages_on_tracreports(cfg):
    refs = trac.discover(cfg, "https://tracreports.org", None, months=["2018-06"], live=True)
    assert [r.url for r in refs] == [
        f"https://tracreports.org/tracreports/bulletins/{s}/monthlyjun18/fil/"
        for s in ("immigration", "overall", "drugs", "weapons", "white_collar_crime", "terrorism", "orgcrime",
                  "regulation", "hsaa", "jdea")
    ]
    assert refs[0].params == {"series": "immigration", "month": "2018-06"}
    assert refs[0].key == "immigration/2018-06"


def test_releases_toml_has_no_per_district_page_and_the_live_host_is_tracreports():
    with RELEASES_TOML.open("rb") as fh:
        releases = tomllib.load(fh)
    assert releases["publishers"]["trac"]["live"] == "https://tracreports.org"
    section = releases["families"]["trac-bulletin"]
    assert "district_url" not in section and "districts" not in section
    assert "jcbp" not in section["series"]


def test_sample_discovery_covers_first_to_sample_last_month(cfg):
    refs = trac.discover(cfg, "file:///samples/tracreports.org", None)
    months = sorted({r.params["month"] for r in refs})
    assert months[0] == "2016-10" and months[-1] == "2019-09" and len(months) == 36
    assert len(refs) == 36 * len(cfg.sample_series) == 36 * 10


@pytest.mark.parametrize(
    "today, last",
    [(date(2018, 8, 14), "2018-06"), (date(2018, 8, 13), "2018-05"), (date(2018, 9, 30), "2018-07")],
)
def test_live_discovery_stops_at_months_ended_a_publication_lag_ago(cfg, today, last):
    refs = trac.discover(cfg, "https://tracreports.org", None, live=True, today=today)
    assert max(r.params["month"] for r in refs) == last
    assert min(r.params["month"] for r in refs) == "2016-10"


def test_params_from_url_reads_trac_paths_old_and_new_host(cfg):
    for url in ("https://tracreports.org/tracreports/bulletins/overall/monthlynov15/fil/",
                "http://trac.syr.edu/tracreports/bulletins/overall/monthlynov15/fil",
                "file:///home/me/saved/tracreports/bulletins/overall/monthlynov15/fil/index.html"):
        assert trac.params_from_url(url, cfg) == {"series": "overall", "month": "2015-11", "key": "overall/2015-11"}


def test_params_from_url_leaves_any_other_name_to_the_page(cfg):
    assert trac.params_from_url("file:///home/me/Downloads/june%20bulletin.html", cfg) == {}


# --- Table 1 in every real layout ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture, series, month, figures, layout",
    [
        ("immigration_jun18_caption_last_row.html", "immigration", date(2018, 6, 1),
         (12348, 22.2, 79.9, -1.4, 1.4), "labels"),
        ("immigration_jan16_numbers_first.html", "immigration", date(2016, 1, 1),
         (5075, -17.9, -15.6, -9.4, -36.1), "numbers_first"),
        ("immigration_mar13_table1_colon.html", "immigration", date(2013, 3, 1),
         (8630, 22.5, 22.7, 67.8, -3.8), "numbers_first"),
        ("overall_nov15_caption_below.html", "overall", date(2015, 11, 1),
         (9766, -10.8, -11.2, -15.3, -25.4), "labels"),
        ("immigration_nov15_lead_charges.html", "immigration", date(2015, 11, 1),
         (4861, -13.2, -22.3, -15.1, -36.3), "labels"),
        ("jdea_jun18_agency.html", "jdea", date(2018, 6, 1), (1045, 12.6, 5.5, -11.5, -15.4), "labels"),
        ("overall_dec18_blank_cells.html", "overall", date(2018, 12, 1), (13569, -17.8, None, None, None), "labels"),
        ("weapons_jul13_program.html", "weapons", date(2013, 7, 1), (515, -11.2, -9.8, -14.1, -17.1), "labels"),
        ("white_collar_crime_oct18_blank_five_years.html", "white_collar_crime", date(2018, 10, 1),
         (403, -9.8, -1.1, None, None), "labels"),
        ("drugs_sep24_narcotics_drugs.html", "drugs", date(2024, 9, 1), (970, -13.0, -6.5, -36.1, -37.6), "labels"),
        ("terrorism_jul25_consecutive_rows.html", "terrorism", date(2025, 7, 1), (31, 3.3, -46.6, -11.2, -6.4),
         "labels"),
        ("jfbi_jun25_agency.html", "jfbi", date(2025, 6, 1), (1103, -8.4, 6.7, 33.3, 23.9), "labels"),
        ("immigration_apr19_site_title_numbers_before_labels.html", "immigration", date(2019, 4, 1),
         (9035, 6.2, 60.7, 55.4, 10.1), "labels"),
    ],
)
def test_table1_in_each_real_layout_from_the_page_alone(fixture, series, month, figures, layout):
    row = table1(fixture)
    assert (row["series"], row["month"]) == (series, month)
    assert tuple(row[c] for c in FIVE) == figures
    assert row["table1_layout"] == layout
    assert row["modelled_figures"] == ""  # a real page: every figure published


def test_small_series_four_row_table_with_number_previous_month():
    row = table1("terrorism_dec17_four_rows.html")
    assert (row["series"], row["month"], row["catalogued"], row["series_kind"]) == (
        "terrorism", date(2017, 12, 1), True, "program")
    assert (row["number_latest_month"], row["previous_month_number"], row["pct_change_1yr"], row["pct_change_5yr"]) == (
        15, 19, -21.2, -37.4)
    assert row["pct_change_prev_month"] is None and row["pct_change_5yr_incl_magistrate"] is None


def test_small_series_reads_the_sentence_up_from_7():
    row = table1("orgcrime_may19_small_series.html")
    assert (row["series"], row["month"], row["number_latest_month"], row["previous_month_number"]) == (
        "orgcrime", date(2019, 5, 1), 15, 7)
    assert row["pct_change_prev_month"] is None and row["table1_layout"] == "text"


def test_page_checked_against_what_its_trac_url_promised():
    row = table1("immigration_jun18_caption_last_row.html", ref("immigration", "2018-06"))
    assert row["number_latest_month"] == 12348
    with pytest.raises(ParseError, match="is for 2018-06 by its title .* but for 2018-05 by its URL"):
        trac.parse(FIXTURES / "immigration_jun18_caption_last_row.html", ref("immigration", "2018-05"))
    with pytest.raises(ParseError, match="'immigration' bulletin by its title .* but its URL names 'overall'"):
        trac.parse(FIXTURES / "immigration_jun18_caption_last_row.html", ref("overall", "2018-06"))


def _edited(tmp_path, fixture: str, old: str, new: str) -> Path:
    text = (FIXTURES / fixture).read_text()
    assert old in text
    page = tmp_path / "page.html"
    page.write_text(text.replace(old, new))
    return page


def test_missing_label_names_the_label_and_the_release(tmp_path):
    page = _edited(tmp_path, "overall_nov15_caption_below.html", "Percent Change from 1 year ago", "Change, 1 yr")
    with pytest.raises(ParseError) as err:
        trac.parse(page, ref("overall", "2015-11"))
    assert "Percent Change from 1 year ago" in str(err.value) and "overall/2015-11" in str(err.value)


def test_page_without_table1_or_sentence_fails(tmp_path):
    page = _edited(tmp_path, "immigration_jan16_numbers_first.html", "Table 1.", "Table One.")
    with pytest.raises(ParseError, match="no 'Table 1' caption"):
        trac.parse(page, ref())


def test_non_numeric_count_fails(tmp_path):
    page = _edited(tmp_path, "immigration_jun18_caption_last_row.html", "12,348", "12.348k")
    with pytest.raises(ParseError, match="Number Latest Month: '12.348k' is not a count"):
        trac.parse(page, ref())


def test_page_naming_no_month_fails(tmp_path):
    page = _edited(tmp_path, "immigration_mar13_table1_colon.html", "Prosecutions for March 2013", "Prosecutions")
    with pytest.raises(ParseError, match="names no bulletin month"):
        trac.parse(page, ref())


def test_modelled_cells_are_listed_per_figure(tmp_path):
    page = _edited(tmp_path, "overall_nov15_caption_below.html", "<td>-11.2</td>", '<td data-basis="modelled">-11.2</td>')
    parsed = trac.parse(page, ref())
    row = parsed.tables["trac_table1"].to_pylist()[0]
    assert row["modelled_figures"] == "pct_change_1yr"
    assert row["number_latest_month"] == 9766
    assert parsed.modelled  # one modelled cell makes the release modelled in meta.releases
    assert not trac.parse(FIXTURES / "overall_nov15_caption_below.html", ref()).modelled  # TRAC's own page


# --- ranked tables ---------------------------------------------------------------------------------


def test_lead_charges_keep_every_column():
    parsed = trac.parse(FIXTURES / "immigration_nov15_lead_charges.html", ref())
    charges = parsed.tables["trac_lead_charges"].to_pylist()
    assert [(c["rank"], c["statute"], c["charge_description"], c["prosecutions"]) for c in charges] == [
        (1, "8 USC 1326", "Reentry of deported alien", 1278),
        (2, "8 USC 1324", "Bringing in and harboring certain aliens", 226),
        (3, "18 USC 1546", "Fraud and misuse of visas, permits, and other documents", 32),
    ]
    assert (charges[0]["pct_change_1yr"], charges[0]["pct_change_20yr"]) == (-10.3, 640.0)
    assert parsed.tables["trac_district_rankings"].num_rows == 0


def test_district_ranking_keeps_rank_name_number_rate_and_changes():
    districts = trac.parse(FIXTURES / "immigration_jun18_caption_last_row.html", ref()).tables[
        "trac_district_rankings"].to_pylist()
    assert [(d["rank"], d["district_name"], d["prosecutions"], d["per_capita_rate"]) for d in districts] == [
        (1, "Texas, South (Houston)", 4512, 547.3), (2, "Arizona", 2310, 366.1), (3, "New Mexico", 846, 402.8),
    ]
    assert districts[2]["pct_change_5yr"] is None and districts[2]["pct_change_20yr"] == 150.1


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ("<th rowspan=\"2\">Rank</th><th colspan", "<th rowspan=\"2\">Place</th><th colspan", "no 'rank' column"),
        ("<td>846</td>", "<td>about 850</td>", "district prosecutions: 'about 850' is not a count"),
        ("<td>150.1</td></tr>", "</tr>", "has a row of 7 cells"),
    ],
)
def test_malformed_district_table_fails(tmp_path, old, new, problem):
    page = _edited(tmp_path, "immigration_jun18_caption_last_row.html", old, new)
    with pytest.raises(ParseError, match=problem):
        trac.parse(page, ref())


def test_lead_charge_without_a_statute_fails(tmp_path):
    page = _edited(tmp_path, "immigration_nov15_lead_charges.html", "18 USC 1546 - ", "")
    with pytest.raises(ParseError, match="names no US Code title and section"):
        trac.parse(page, ref())


# --- page identity from every cue ----------------------------------------------------------------------


@pytest.mark.parametrize("chrome", ["TRAC Reports: {}", "{} | TRAC", "{} - TRAC Reports", "TRAC | {} | Syracuse"])
def test_title_chrome_around_the_bulletin_title_is_not_the_series(tmp_path, chrome):
    title = "Immigration Prosecutions for April 2019"
    page = _edited(tmp_path, "immigration_apr19_site_title_numbers_before_labels.html",
                   "<title>TRAC Reports: Immigration Prosecutions for April 2019</title>",
                   f"<title>{chrome.format(title)}</title>")
    row = trac.parse(page, ref()).tables["trac_table1"].to_pylist()[0]
    assert (row["series"], row["month"], row["number_latest_month"]) == ("immigration", date(2019, 4, 1), 9035)


def test_a_page_saved_by_hand_with_no_title_loads_from_its_heading(tmp_path):
    page = _edited(tmp_path, "weapons_jul13_program.html", "<title>Weapons Prosecutions for July 2013</title>",
                   "<title>saved page</title>")
    row = trac.parse(page, ref(name="whatever.htm")).tables["trac_table1"].to_pylist()[0]
    assert (row["series"], row["month"], row["number_latest_month"]) == ("weapons", date(2013, 7, 1), 515)


def test_the_url_path_is_a_cue_on_both_hosts():
    for host in ("https://tracreports.org", "http://trac.syr.edu"):
        r = ReleaseRef(family=trac.FAMILY, url=f"{host}/tracreports/bulletins/jfbi/monthlyjun25/fil", key="k")
        assert trac.parse(FIXTURES / "jfbi_jun25_agency.html", r).tables["trac_table1"].to_pylist()[0]["series"] == "jfbi"
        wrong = ReleaseRef(family=trac.FAMILY, url=f"{host}/tracreports/bulletins/jdea/monthlyjun25/fil", key="k")
        with pytest.raises(ParseError, match="'jfbi' bulletin by its line .* but its URL names 'jdea'"):
            trac.parse(FIXTURES / "jfbi_jun25_agency.html", wrong)
        stale = ReleaseRef(family=trac.FAMILY, url=f"{host}/tracreports/bulletins/jfbi/monthlymay25/fil/", key="k")
        with pytest.raises(ParseError, match="2025-06 by its title .* but for 2025-05 by its URL"):
            trac.parse(FIXTURES / "jfbi_jun25_agency.html", stale)


@pytest.mark.parametrize(
    "fixture, old, new, problem",
    [
        pytest.param("weapons_jul13_program.html", "<h2>Weapons Prosecutions", "<h2>Immigration Prosecutions",
                     "'weapons' bulletin by its title .* but the 'immigration' bulletin by its heading", id="series"),
        pytest.param("weapons_jul13_program.html", "<h2>Weapons Prosecutions for July", "<h2>Weapons Prosecutions for June",
                     "2013-07 by its title .* but for 2013-06 by its heading", id="month"),
        pytest.param("weapons_jul13_program.html", "reported\n515 new", "reported\n516 new",
                     "Table 1 prints 515 prosecutions but the page's sentence says .* 516", id="sentence"),
        pytest.param("terrorism_dec17_four_rows.html", "down from 19 the previous", "down from 18 the previous",
                     "prints 19 for the previous month but the page's sentence says 18", id="previous-month"),
        pytest.param("weapons_jul13_program.html", "<tr><td>Percent Change from 1 year ago</td><td>-9.8</td></tr>",
                     "<tr><td>Percent Change from 1 year ago</td><td>-9.8</td></tr>"
                     "<tr><td>Percent Change from 1 year ago</td><td>-9.9</td></tr>",
                     "prints 'Percent Change from 1 year ago' twice", id="label-twice"),
    ],
)
def test_a_page_that_contradicts_itself_fails_naming_both_sides(tmp_path, fixture, old, new, problem):
    with pytest.raises(ParseError, match=problem):
        trac.parse(_edited(tmp_path, fixture, old, new), ref())


def test_uncatalogued_series_loads_flagged_under_its_url_slug_or_its_words(tmp_path):
    page = _edited(tmp_path, "weapons_jul13_program.html", "Weapons Prosecutions for July", "Child Pornography Prosecutions for July")
    saved = trac.parse(page, ref()).tables["trac_table1"].to_pylist()[0]
    assert (saved["series"], saved["catalogued"], saved["series_kind"], saved["number_latest_month"]) == (
        "child_pornography", False, None, 515)
    r = ReleaseRef(family=trac.FAMILY, url="https://tracreports.org/tracreports/bulletins/childporn/monthlyjul13/fil/",
                   key="k", params=trac.params_from_url(
                       "https://tracreports.org/tracreports/bulletins/childporn/monthlyjul13/fil/", {}))
    row = trac.parse(page, r).tables["trac_table1"].to_pylist()[0]
    assert (row["series"], row["catalogued"]) == ("childporn", False)
    # words the catalogue lacks under a catalogued slug: the URL and the page disagree
    r = ReleaseRef(family=trac.FAMILY, url="https://tracreports.org/tracreports/bulletins/weapons/monthlyjul13/fil/", key="k")
    with pytest.raises(ParseError, match="'child_pornography' bulletin by its title .* URL names 'weapons'"):
        trac.parse(page, r)


def test_unknown_referring_agency_loads_uncatalogued(tmp_path):
    page = _edited(tmp_path, "jfbi_jun25_agency.html", "Referring Agency: Federal Bureau of Investigation",
                   "Referring Agency: Internal Revenue Service")
    row = trac.parse(page, ref()).tables["trac_table1"].to_pylist()[0]
    assert (row["series"], row["catalogued"], row["number_latest_month"]) == ("internal_revenue_service", False, 1103)




def test_a_convictions_bulletin_is_not_loaded_as_prosecutions(tmp_path):
    """TRAC's convictions bulletins (/gui) look like its prosecutions bulletins; their figures are not the same."""
    page = _edited(tmp_path, "weapons_jul13_program.html", "Prosecutions", "Convictions")
    page.write_text(page.read_text().replace("weapons prosecutions", "weapons convictions"))
    with pytest.raises(ParseError, match="is not a prosecutions bulletin"):
        trac.parse(page, ref())
    gui = "https://tracreports.org/tracreports/bulletins/weapons/monthlyjul13/gui/"
    with pytest.raises(ParseError, match=r"convictions bulletin \(/gui\)"):
        trac.parse(FIXTURES / "weapons_jul13_program.html", ReleaseRef(family=trac.FAMILY, url=gui, key="k"))
