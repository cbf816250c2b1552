"""TRAC bulletin discovery and parsing, on hand-written pages in both of TRAC's Table 1 layouts."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from orchestration.config import RELEASES_TOML
from orchestration.sources import trac
from orchestration.sources.release import ParseError, ReleaseRef

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trac"


@pytest.fixture(scope="module")
def cfg() -> dict:
    with RELEASES_TOML.open("rb") as fh:
        return tomllib.load(fh)["families"]["trac-bulletin"]


def ref(series: str, month: str, district: str = "") -> ReleaseRef:
    return ReleaseRef(
        family=trac.FAMILY,
        url=f"https://trac.syr.edu/{series}/{month}/{district}",
        key=f"{series}/{month}/{district or 'US'}",
        params={"series": series, "month": month, "district_code": district, "slug": ""},
    )


def table1(name: str, r: ReleaseRef) -> dict:
    parsed = trac.parse(FIXTURES / name, r)
    [row] = parsed.tables["trac_table1"].to_pylist()
    return row


# --- discovery --------------------------------------------------------------------------------------


def test_live_discovery_names_trac_urls(cfg):
    refs = trac.discover(cfg, "https://trac.syr.edu", None, months=["2018-06"], live=True)
    by_key = {r.key: r for r in refs}
    assert by_key["immigration/2018-06/US"].url == "https://trac.syr.edu/tracreports/bulletins/immigration/monthlyjun18/fil/"
    assert by_key["overall/2018-06/AZ"].url == "https://trac.syr.edu/tracreports/bulletins/overall/monthlyjun18/fil/arizona/"
    assert by_key["jcbp/2018-06/TXS"].params == {
        "series": "jcbp", "month": "2018-06", "district_code": "TXS", "slug": "tex_s",
    }
    assert by_key["immigration/2018-06/US"].params["district_code"] == ""
    assert len(refs) == 3 * 6


def test_sample_discovery_covers_first_to_sample_last_month(cfg):
    refs = trac.discover(cfg, "file:///samples/trac.syr.edu", None)
    months = sorted({r.params["month"] for r in refs})
    assert months[0] == "2016-10" and months[-1] == "2019-09" and len(months) == 36
    assert len(refs) == 36 * 3 * 6
    assert refs[0].url == "file:///samples/trac.syr.edu/tracreports/bulletins/immigration/monthlyoct16/fil/"


@pytest.mark.parametrize(
    "today, last",
    [(date(2018, 8, 14), "2018-06"), (date(2018, 8, 13), "2018-05"), (date(2018, 9, 30), "2018-07")],
)
def test_live_discovery_stops_at_months_ended_a_publication_lag_ago(cfg, today, last):
    refs = trac.discover(cfg, "https://trac.syr.edu", None, live=True, today=today)
    assert max(r.params["month"] for r in refs) == last
    assert min(r.params["month"] for r in refs) == "2016-10"


def test_explicit_months_accept_dates(cfg):
    refs = trac.discover(cfg, "https://trac.syr.edu", None, months=[date(2015, 11, 20)])
    assert {r.url for r in refs if r.params["district_code"] == ""} == {
        f"https://trac.syr.edu/tracreports/bulletins/{s}/monthlynov15/fil/" for s in ("immigration", "overall", "jcbp")
    }


def test_params_from_url_inverts_discovery(cfg):
    refs = trac.discover(cfg, "https://trac.syr.edu", None, months=["2018-06", "2016-10"])
    refs += trac.discover(cfg, "file:///tmp/samples/trac.syr.edu", None, months=["2019-09"])
    for r in refs:
        assert trac.params_from_url(r.url, cfg) == {**r.params, "key": r.key}


def test_params_from_url_reads_a_saved_page_path(cfg):
    url = "file:///data/tracreports/bulletins/overall/monthlymar18/fil/arizona/index.html"
    params = trac.params_from_url(url, cfg)
    assert params == {"series": "overall", "month": "2018-03", "district_code": "AZ", "slug": "arizona",
                      "key": "overall/2018-03/AZ"}


@pytest.mark.parametrize("url", [
    "https://trac.syr.edu/immigration/reports/515/",
    "https://trac.syr.edu/tracreports/bulletins/overall/monthlyxyz18/fil/",
    "https://trac.syr.edu/tracreports/bulletins/overall/monthlymar18/fil/nevada/",
])
def test_params_from_url_rejects_other_pages(url, cfg):
    with pytest.raises(ValueError):
        trac.params_from_url(url, cfg)


# --- the raw-table contract ------------------------------------------------------------------------


def test_raw_tables_follow_the_architecture_contract():
    columns = {name: [c.name for c in cols] for name, cols in trac.BULLETIN.raw_tables.items()}
    assert columns == {
        "trac_table1": [
            "series", "geography_type", "district_code", "geography_name", "month", "page_title",
            "number_latest_month", "pct_change_prev_month", "pct_change_1yr",
            "pct_change_5yr_incl_magistrate", "pct_change_5yr_excl_magistrate", "is_modelled",
        ],
        "trac_lead_charges": [
            "series", "geography_type", "district_code", "month", "rank", "charge_description", "statute",
            "prosecutions", "is_modelled",
        ],
        "trac_district_rankings": [
            "series", "month", "rank", "district_name", "prosecutions", "per_capita_rate", "is_modelled",
        ],
    }
    assert trac.BULLETIN.name == "trac-bulletin"


# --- Table 1 ---------------------------------------------------------------------------------------


def test_real_style_page_reads_as_published():
    r = ref("immigration", "2018-06")
    parsed = trac.parse(FIXTURES / "real_style.html", r)
    assert parsed.months == [date(2018, 6, 1)]
    [row] = parsed.tables["trac_table1"].to_pylist()
    assert row == {
        "series": "immigration",
        "geography_type": "national",
        "district_code": None,
        "geography_name": "United States",
        "month": date(2018, 6, 1),
        "page_title": "Immigration Prosecutions for June 2018",
        "number_latest_month": 12348,
        "pct_change_prev_month": 22.2,
        "pct_change_1yr": 79.9,
        "pct_change_5yr_incl_magistrate": -1.4,
        "pct_change_5yr_excl_magistrate": 1.4,
        "is_modelled": False,
    }
    assert parsed.tables["trac_table1"].schema.field("number_latest_month").type == pa.int64()
    assert parsed.tables["trac_lead_charges"].num_rows == 0
    assert parsed.tables["trac_district_rankings"].num_rows == 0


def test_current_layout_district_page_with_blank_percents_and_modelled_cells():
    row = table1("current_layout.html", ref("overall", "2018-03", "AZ"))
    assert row["geography_type"] == "district" and row["district_code"] == "AZ"
    assert row["geography_name"] == "Arizona"
    assert row["number_latest_month"] == 1444
    assert row["pct_change_prev_month"] is None  # printed "-"
    assert row["pct_change_1yr"] == 9.5
    assert row["pct_change_5yr_incl_magistrate"] is None  # printed "NA"
    assert row["pct_change_5yr_excl_magistrate"] == -12.0
    assert row["is_modelled"] is True


def test_old_layout_numbers_first_matched_by_label():
    row = table1("old_layout.html", ref("overall", "2015-11"))
    assert row["page_title"] == "TRAC Reports: Prosecutions for November 2015"
    assert (
        row["number_latest_month"], row["pct_change_prev_month"], row["pct_change_1yr"],
        row["pct_change_5yr_incl_magistrate"], row["pct_change_5yr_excl_magistrate"],
    ) == (9766, -10.8, -11.2, -15.3, -25.4)
    assert row["is_modelled"] is False


def test_missing_label_names_the_label_and_the_release():
    r = ref("immigration", "2018-06")
    with pytest.raises(ParseError) as err:
        trac.parse(FIXTURES / "missing_label.html", r)
    assert "Percent Change from 1 year ago" in str(err.value)
    assert "immigration/2018-06/US" in str(err.value)


def test_title_month_must_match_the_release():
    with pytest.raises(ParseError, match="2018-05, expected 2018-06"):
        trac.parse(FIXTURES / "wrong_month.html", ref("immigration", "2018-06"))


def test_page_without_table1_fails(tmp_path):
    page = tmp_path / "index.html"
    page.write_text((FIXTURES / "real_style.html").read_text().replace("Table 1:", "Table One:"))
    with pytest.raises(ParseError, match="no 'Table 1'"):
        trac.parse(page, ref("immigration", "2018-06"))


def test_non_numeric_count_fails(tmp_path):
    page = tmp_path / "index.html"
    page.write_text((FIXTURES / "real_style.html").read_text().replace("12,348", "12.348k"))
    with pytest.raises(ParseError, match="Number Latest Month: '12.348k' is not a count"):
        trac.parse(page, ref("immigration", "2018-06"))


def test_district_page_without_geography_heading_fails():
    with pytest.raises(ParseError, match="Judicial District"):
        trac.parse(FIXTURES / "real_style.html", ref("immigration", "2018-06", "TXS"))


# --- ranked tables ---------------------------------------------------------------------------------


def test_lead_charges_and_district_rankings():
    parsed = trac.parse(FIXTURES / "ranked_tables.html", ref("overall", "2018-06"))
    charges = parsed.tables["trac_lead_charges"].to_pylist()
    assert [(c["rank"], c["statute"], c["prosecutions"], c["is_modelled"]) for c in charges] == [
        (1, "8 USC 1325", 8150, True),
        (2, "8 USC 1326", 3358, False),
        (3, "21 USC 846", 932, False),
    ]
    assert charges[0]["charge_description"] == "Improper entry by alien"
    assert {(c["series"], c["geography_type"], c["district_code"], c["month"]) for c in charges} == {
        ("overall", "national", None, date(2018, 6, 1))
    }
    districts = parsed.tables["trac_district_rankings"].to_pylist()
    assert [(d["rank"], d["district_name"], d["prosecutions"], d["per_capita_rate"], d["is_modelled"])
            for d in districts] == [
        (1, "Texas, South (Houston)", 5932, 617.9, False),
        (2, "Arizona", 2163, 301.7, True),
        (3, "New Mexico", 1097, None, False),
    ]
    assert parsed.tables["trac_table1"].to_pylist()[0]["is_modelled"] is False


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ("<th>Prosecutions</th></tr>\n<tr><td>1</td><td>Improper", "<th>Count</th></tr>\n<tr><td>1</td><td>Improper",
         "no 'prosecutions' column"),
        ("21 USC 846", "drug conspiracy", "'drug conspiracy' is not a US Code title and section"),
        ("<td>1,097</td>", "<td>about 1,100</td>", "district prosecutions: 'about 1,100' is not a count"),
        ("<td>932</td></tr>", "</tr>", "has a row of 3 cells"),
    ],
)
def test_malformed_ranked_table_fails(tmp_path, old, new, problem):
    text = (FIXTURES / "ranked_tables.html").read_text()
    assert old in text
    page = tmp_path / "index.html"
    page.write_text(text.replace(old, new))
    with pytest.raises(ParseError, match=problem):
        trac.parse(page, ref("overall", "2018-06"))
