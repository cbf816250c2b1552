"""The prosecutions mart ranks its sources, the nation becomes a real sum of districts where EOUSA's National
Caseload Data covers them all, the published-figure checks take NCD counts as independent values, and the
last months of each series are provisional: dbt on the raw fixture plus a small real NCD release.

The NCD release (raw rows as the eousa-ncd connector loads them, not modelled) has, in every one of the 93
districts a real release reports (the Northern Mariana Islands, MP, are filed under Guam) and every month
November 2017 to February 2018 (before the months the reproduction test checks), one immigration case
(1 defendant, referred by CBP, filed in magistrate court) and one drug case (2 defendants, DEA, filed in district court): per district and
month immigration 1, non_immigration 2, all 3, cbp_referred 1. The fixture's TRAC pages are modelled
(except the January immigration page, made real here) and run to June 2018; added here, TRAC published
New Mexico's January CBP-referred count (55), the five districts' (4) and the nation's December-February
immigration total (300).
"""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.support.dbt_inprocess import DATABASE, dbt

_here = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("crowdout_dbt_project_tests", _here / "test_dbt_project.py")
project_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(project_tests)
raw_fixture, query = project_tests.raw_fixture, project_tests.query

pytestmark = pytest.mark.slow

NOV, DEC = date(2017, 11, 1), date(2017, 12, 1)
JAN, FEB, MAR, APR, MAY, JUN = (date(2018, m, 1) for m in (1, 2, 3, 4, 5, 6))
NCD_MONTHS = [NOV, DEC, JAN, FEB]
PUBLISHED = [  # (source_row, series, geography, period, start, end, value)
    (100, "immigration_prosecutions", "US (all 94 districts)", "Dec 2017-Feb 2018", DEC, FEB, 300),
    (101, "cbp_referred_prosecutions", "New Mexico", "2018-01", JAN, JAN, 55),
    (102, "cbp_referred_prosecutions", "5 SW border districts", "2018-01", JAN, JAN, 4),
]


def _add_ncd_release(db: Path) -> None:
    con = duckdb.connect(str(db))
    try:
        districts = [d for (d,) in con.execute(
            f"SELECT district_code FROM read_csv('{project_tests.PROJECT_DIR / 'seeds' / 'districts.csv'}') "
            "WHERE district_code <> 'MP'").fetchall()]
        rel = raw_fixture.Releases(con)
        rid = rel.add("eousa-ncd", "ncd-2018-06", published=date(2018, 7, 1), modelled=False)
        for district in districts:
            for month in NCD_MONTHS:
                stamp = f"{month:%y%m}"
                raw_fixture.add_ncd_case(con, rid, district, f"{stamp}I", filed=month.replace(day=10))
                raw_fixture.add_ncd_case(con, rid, district, f"{stamp}D", filed=month.replace(day=20), court="DC",
                                         program_category="040", agency="DEAX", defendants=2)
        # the January immigration page as a real one: its ranked districts and Table 1 are TRAC's own figures
        page = "SELECT release_id FROM meta.releases WHERE release_key = 'immigration/Jan18'"
        con.execute(f"UPDATE meta.releases SET is_modelled = false WHERE release_id = ({page})")
        for table in ("trac_district_rankings", "trac_table1"):
            con.execute(f"UPDATE raw.{table} SET modelled_figures = '' WHERE release_id = ({page})")
        for row in PUBLISHED:
            con.execute(
                "INSERT INTO raw.trac_published_figures SELECT release_id, ?, ?, ?, ?, ?, ?, ?, 'defendants', "
                "NULL, NULL, NULL, NULL, 'http://trac.syr.edu/whatsnew/x', '' "
                "FROM meta.releases WHERE family = 'trac-published-figures'", list(row))
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ncd")
    db = raw_fixture.build(tmp / DATABASE)
    _add_ncd_release(db)
    dbt(tmp, "build")
    return db, tmp


def _fact(db, district, series, month):
    return query(db, "SELECT prosecutions, basis, source_table FROM marts.fct_prosecutions_district_month "
                     "WHERE district_code = ? AND series = ? AND month = ?", [district, series, month])[0]


def test_a_published_figure_wins_then_real_ncd_then_bulletins(built):
    db, _ = built
    # TRAC's published 55 beats NCD's 1
    assert _fact(db, "NM", "cbp_referred", JAN) == (55, "published", "published_figures")
    # a real NCD count beats a modelled bulletin (Arizona's modelled 2,000) and a real bulletin (January)
    assert _fact(db, "AZ", "immigration", FEB) == (1, "derived", "ncd")
    (january_page,) = query(db, "SELECT prosecutions FROM intermediate.int_trac__district_month "
                                "WHERE district_code = 'AZ' AND series = 'immigration' AND month = ? "
                                "AND basis = 'published'", [JAN])[0]
    assert january_page == 2000
    assert _fact(db, "AZ", "immigration", JAN) == (1, "derived", "ncd")
    # where NCD has no month the modelled bulletin stays
    assert _fact(db, "AZ", "immigration", JUN) == (3000, "modelled", "district_ranking")
    # CBP-referred per district from NCD, and districts TRAC never ranks
    assert _fact(db, "AZ", "cbp_referred", FEB) == (1, "derived", "ncd")
    assert _fact(db, "ME", "non_immigration", DEC) == (2, "derived", "ncd")
    (rid,) = query(db, "SELECT release_id FROM meta.releases WHERE family = 'eousa-ncd'")[0]
    assert query(db, "SELECT release_ids FROM marts.fct_prosecutions_district_month "
                     "WHERE district_code = 'ME' AND series = 'all' AND month = ?", [DEC]) == [([rid],)]


def test_the_nation_and_non_border_become_real_sums_of_districts(built):
    db, _ = built
    assert _fact(db, "US", "immigration", FEB) == (93, "derived", "sum_of_districts")
    # 92 NCD counts and New Mexico's published 55: real parts, a derived sum
    assert _fact(db, "US", "cbp_referred", JAN) == (92 + 55, "derived", "sum_of_districts")
    # no NCD in March: the (modelled) national page
    assert _fact(db, "US", "immigration", MAR)[1:] == ("modelled", "table1")
    rows = dict(query(db, "SELECT geography, (immigration_prosecutions, immigration_prosecutions_basis, "
                          "total_prosecutions, total_prosecutions_basis, cbp_referred_prosecutions, "
                          "cbp_referred_prosecutions_basis) FROM marts.fct_displacement_district_month "
                          "WHERE month = ?", [JAN]))
    assert rows["US"] == (93, "derived", 279, "derived", 147, "derived")
    # the five districts' CBP-referred count is TRAC's published 4, not NCD's 5 (New Mexico's 55 inside it)
    assert rows["SW_BORDER"] == (5, "derived", 15, "derived", 4, "published")
    assert rows["NON_BORDER"] == (88, "derived", 264, "derived", 143, "derived")


def test_ncd_counts_trac_also_published_are_checked_independently(built):
    db, _ = built
    rows = {(geo, period, series): rest for geo, period, series, *rest in query(db,
            "SELECT geography, period, published_series, agreement, warehouse_value, residual, independent_value, "
            "independent_basis, independent_residual, independent_method FROM marts.fct_published_figure_checks")}
    # a three-month national total no page gives: NCD's 3 x 93 against TRAC's 300
    assert rows["US", "Dec 2017-Feb 2018", "immigration_prosecutions"] == [
        "independent", 279, -21, 279, "derived", -21, "sum of 3 months (NCD defendants filed, sum of all districts)"]
    # figures loaded as is: NCD checks them beside their zero residual
    assert rows["SW_BORDER", "2018-01", "cbp_referred_prosecutions"] == [
        "by_construction", 4, 0, 5, "derived", 1, "NCD defendants filed, sum of the five southwest border districts"]
    assert rows["NM", "2018-01", "cbp_referred_prosecutions"] == [
        "by_construction", 55, 0, 1, "derived", 1 - 55, "the district's NCD defendants filed"]
    # months NCD does not cover keep the bulletins' check
    assert rows["SW_BORDER", "2018-03", "non_immigration_prosecutions"][3:] == [
        1103, "modelled", 10, "sum of the five southwest border districts"]


def test_the_last_months_of_each_series_are_provisional(built):
    db, _ = built
    flags = dict(query(db, "SELECT month, is_provisional FROM marts.fct_prosecutions_district_month "
                           "WHERE district_code = 'ME' AND series = 'immigration'"))
    assert flags == {NOV: False, DEC: True, JAN: True, FEB: True}
    # a displacement row is provisional where any of its counts is: the five districts' immigration and
    # overall series run to June (the bulletins), their CBP-referred ones to February (NCD); New Mexico's
    # March figure is TRAC's published one, final as printed, so it neither is provisional nor extends the
    # series, and March is provisional in no series
    flags = dict(query(db, "SELECT month, is_provisional FROM marts.fct_displacement_district_month "
                           "WHERE geography = 'SW_BORDER' AND month >= ?", [NOV]))
    assert flags == {NOV: False, DEC: True, JAN: True, FEB: True, MAR: False, APR: True, MAY: True, JUN: True}
    flags = dict(query(db, "SELECT month, is_provisional FROM marts.fct_prosecutions_district_month "
                           "WHERE district_code = 'AZ' AND series = 'immigration' AND month >= ?", [FEB]))
    assert flags == {FEB: False, MAR: False, APR: True, MAY: True, JUN: True}
    assert query(db, "SELECT month FROM marts.fct_prosecutions_district_month "
                     "WHERE district_code = 'NM' AND series = 'cbp_referred' AND is_provisional ORDER BY month") == [
        (DEC,), (FEB,)]  # January and March are TRAC's published figures


def test_provisional_months_is_configuration(built, tmp_path):
    db, _ = built
    copy = tmp_path / db.name
    query(db, "CHECKPOINT")
    copy.write_bytes(db.read_bytes())
    dbt(tmp_path, "run", "--select", "fct_prosecutions_district_month", "--vars", "{provisional_months: 1}")
    assert query(copy, "SELECT month FROM marts.fct_prosecutions_district_month "
                       "WHERE district_code = 'ME' AND series = 'immigration' AND is_provisional") == [(FEB,)]


def test_a_modelled_ncd_release_fills_no_prosecution_figure(built, tmp_path):
    """The same NCD release marked modelled (as the bundled sample is, a format fixture far below real
    volumes): its counts stay in its own mart and fill nothing in the facts or the checks."""
    db, _ = built
    copy = tmp_path / db.name
    query(db, "CHECKPOINT")
    copy.write_bytes(db.read_bytes())
    query(copy, "UPDATE meta.releases SET is_modelled = true WHERE family = 'eousa-ncd'")
    dbt(tmp_path, "run", "--select", "fct_ncd_defendants_filed_district_month+")
    assert query(copy, "SELECT count(*) FROM marts.fct_ncd_defendants_filed_district_month "
                       "WHERE basis = 'modelled'")[0][0] > 0
    assert _fact(copy, "AZ", "immigration", FEB) == (2000, "modelled", "district_ranking")
    assert _fact(copy, "US", "immigration", FEB)[1:] == ("modelled", "table1")
    assert _fact(copy, "AZ", "immigration", JAN) == (2000, "published", "district_ranking")
    # a district TRAC never ranks, and a district's CBP-referred count, have no figure without a real release
    assert not query(copy, "SELECT * FROM marts.fct_prosecutions_district_month "
                           "WHERE source_table = 'ncd' OR (district_code = 'ME' AND prosecutions IS NOT NULL)")
    assert not query(copy, "SELECT * FROM marts.fct_published_figure_checks "
                           "WHERE independent_method LIKE '%NCD%'")
