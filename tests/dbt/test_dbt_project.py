"""The dbt project builds on a tiny raw warehouse: contracts, generic and unit tests, the reproduction
test, a few hand-computed mart values, and a whole rebuild after a restated baseline month.

One module fixture builds the warehouse once; tests only read it. A test that changes data works on its
own copy, in a folder of its own (tests/support/dbt_inprocess.py runs dbt there), so the tests do not
depend on their order.

The raw fixture (raw_fixture.py) gives TRAC as national pages with ranked districts, TRAC's published
five-district figures as a trac-published-figures release, and OHSS sectors adding up to CBP's figures.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.support.dbt_inprocess import DATABASE, dbt

# Loaded by path: a package named tests.dbt would shadow the dbt package itself.
_spec = importlib.util.spec_from_file_location("crowdout_dbt_raw_fixture", Path(__file__).with_name("raw_fixture.py"))
raw_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(raw_fixture)

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def query(db: Path, sql: str, params=None):
    con = duckdb.connect(str(db))  # same configuration as the in-process dbt connection
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt")
    db = raw_fixture.build(tmp / DATABASE)
    dbt(tmp, "build")
    query(db, "CHECKPOINT")  # the file alone holds everything, for the copies below
    return db, tmp


@pytest.fixture
def own_copy(built, tmp_path):
    """The built warehouse copied for a test that changes it."""
    db, _ = built
    copy = tmp_path / db.name
    shutil.copyfile(db, copy)
    return copy, tmp_path


def sw_border(db: Path, month: str, columns: str):
    return query(db, f"SELECT {columns} FROM marts.fct_displacement_district_month "
                     "WHERE geography = 'SW_BORDER' AND month = ?", [month])[0]


def test_the_suite_build_runs_every_unit_test(built):
    """A refresh leaves unit tests out (BUILD_ARGS): this build is where they run, every one of them."""
    _, tmp = built
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    results = json.loads((tmp / "target" / "run_results.json").read_text())["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert set(ran) == set(manifest["unit_tests"]) and manifest["unit_tests"]
    assert set(ran.values()) == {"pass"}


def test_build_reproduces_the_published_2018_figures(built):
    db, _ = built
    non_imm, share, cbp, bp, modelled = sw_border(
        db, "2018-03-01",
        "non_immigration_prosecutions, non_immigration_share, cbp_referred_prosecutions, bp_apprehensions, is_modelled")
    assert (non_imm, cbp, bp) == (1093, 6368, 37390)
    # TRAC's published 1,093 over the districts' total: immigration 6,714 + their non-immigration, 1,103 on
    # the modelled pages, scaled to TRAC's 1,093
    assert share == pytest.approx(1093 / 7807)
    assert modelled is True  # the fixture's TRAC pages are modelled, like the sample's
    non_imm, share, change, cbp_change, expected, missing, cumulative = sw_border(
        db, "2018-06-01",
        "non_immigration_prosecutions, non_immigration_share, pct_change_vs_baseline_non_immigration, "
        "pct_change_vs_baseline_cbp_referred, expected_non_immigration, missing_non_immigration, "
        "cumulative_missing_non_immigration")
    assert non_imm == 703
    assert share == pytest.approx(703 / 11717)
    assert change == pytest.approx(-0.3568, abs=1e-4)
    assert cbp_change == pytest.approx(0.7409, abs=1e-4)
    # every month before the baseline repeats March's districts, whose sum (no published figure) is 1,103
    assert expected == 1103
    assert missing == 1103 - 703
    # April and May sit a third and two thirds of the way from March to June in each district
    april = sum(a + (b - a) * 1 // 3 for a, b in [(300, 200), (250, 150), (150, 100), (243, 153), (160, 100)])
    may = sum(a + (b - a) * 2 // 3 for a, b in [(300, 200), (250, 150), (150, 100), (243, 153), (160, 100)])
    # the policy window starts in April: the March baseline's own shortfall is not counted
    assert cumulative == (1103 - april) + (1103 - may) + (1103 - 703)
    # June 2017 repeats March's districts too: the same month a year earlier also expects 1,103
    year_ago, missing_year_ago = sw_border(
        db, "2018-06-01", "expected_non_immigration_year_ago, missing_non_immigration_year_ago")
    assert (year_ago, missing_year_ago) == (1103, 1103 - 703)


def test_each_measure_carries_its_own_modelled_flag(built):
    """The fixture's TRAC pages are modelled, its OHSS workbooks real and its CBP AOR file (OFO inadmissibles)
    modelled: the row is modelled, its prosecutions are, its apprehensions are not, in every geography."""
    db, _ = built
    rows = query(db, "SELECT DISTINCT is_modelled, prosecutions_is_modelled, bp_apprehensions_is_modelled "
                     "FROM marts.fct_displacement_district_month WHERE month = DATE '2018-03-01'")
    assert rows == [(True, True, False)]


def test_each_figure_carries_its_own_basis(built):
    """SW_BORDER's non-immigration and CBP-referred counts are TRAC's published figures though the districts
    they sit beside are modelled; the districts' sums stay modelled (the total of districts scaled to TRAC's
    non-immigration figure says so); apprehensions are sums of sectors."""
    db, _ = built
    assert sw_border(db, "2018-03-01", "non_immigration_prosecutions_basis, cbp_referred_prosecutions_basis, "
                     "immigration_prosecutions_basis, total_prosecutions_basis, bp_apprehensions_basis") == (
        "published", "published", "modelled", "modelled_scaled_to_published", "derived")
    # a month with no published figure: the five districts' modelled sum
    assert sw_border(db, "2018-04-01", "non_immigration_prosecutions_basis, cbp_referred_prosecutions") == (
        "modelled", None)


def test_a_district_a_page_does_not_rank_is_missing_with_its_reason(built):
    db, _ = built
    rows = dict(query(db, "SELECT district_code, (prosecutions, basis, missing_reason) "
                          "FROM marts.fct_prosecutions_district_month WHERE series = 'dea_referred' "
                          "AND month = DATE '2018-06-01'"))
    assert rows["AZ"] == (60, "published", None)
    assert rows["NM"] == (None, None, "not among the districts ranked on TRAC's dea_referred bulletin for 2018-06")
    assert rows["US"] == (1045, "published", None)


def test_published_figure_checks_say_which_agreement_is_by_construction(built):
    db, _ = built
    rows = {(geo, period, series): rest for geo, period, series, *rest in query(db,
            "SELECT geography, period, published_series, warehouse_value, agreement, residual, independent_value, "
            "independent_residual FROM marts.fct_published_figure_checks")}
    # loaded as is: zero residual by construction; the districts' own sum reported beside it
    assert rows["SW_BORDER", "2018-03", "non_immigration_prosecutions"] == [1093, "by_construction", 0, 1103, 10]
    assert rows["SW_BORDER", "2018-03", "cbp_referred_prosecutions"] == [6368, "by_construction", 0, None, None]
    assert rows["NM", "2018-03", "cbp_referred_prosecutions"] == [480, "by_construction", 0, None, None]
    # a fiscal year the monthly pages do not cover: nothing to compare
    assert rows["US", "FY2017", "all_prosecutions"][1] == "not_comparable"


def test_districts_allocation_and_latest_release(built):
    db, _ = built
    rows = dict(query(db, "SELECT district_code, (bp_apprehensions, bp_apprehensions_is_allocated) "
                          "FROM marts.fct_border_enforcement_district_month WHERE month = DATE '2018-03-01'"))
    # Tucson 5000 + 0.9 x Yuma 1000; Laredo 3500 + RGV 16090 (the later OHSS workbook's figure, not 16000)
    assert rows["AZ"] == (5900, True)
    assert rows["TXS"] == (19590, False)
    # the June immigration page was loaded twice; the later release wins
    assert query(db, "SELECT prosecutions FROM marts.fct_prosecutions_district_month "
                     "WHERE district_code = 'US' AND series = 'immigration' AND month = DATE '2018-06-01'") == [(11514,)]
    # districts come from the national page's ranked districts table
    assert query(db, "SELECT prosecutions, source_table FROM marts.fct_prosecutions_district_month "
                     "WHERE district_code = 'CAC' AND series = 'all' AND month = DATE '2018-03-01'") == [
        (400, "district_ranking")]
    # the revisions mart shows the OHSS restatement of Rio Grande Valley, March 2018
    assert query(db, "SELECT previous_encounter_count, encounter_count, change_from_previous "
                     "FROM marts.fct_encounter_revisions WHERE source = 'ohss-usbp' AND month = DATE '2018-03-01' "
                     "AND geography = 'Rio Grande Valley, TX' AND is_latest_release") == [(16000, 16090, 90)]


def test_a_restated_trac_page_shows_in_the_prosecution_revisions(built):
    db, _ = built
    rows = query(db, "SELECT release_sequence, prosecutions, previous_prosecutions, change_from_previous, "
                     "is_latest_release FROM marts.fct_prosecution_revisions WHERE series = 'immigration' "
                     "AND month = DATE '2018-06-01' ORDER BY release_sequence")
    assert rows == [(1, 1, None, None, False), (2, 11514, 1, 11513, True)]


def test_the_reproduction_test_fails_when_a_published_figure_is_off(own_copy):
    db, tmp = own_copy
    query(db, "UPDATE marts.fct_displacement_district_month SET non_immigration_prosecutions = 1094 "
              "WHERE geography = 'SW_BORDER' AND month = DATE '2018-03-01'")
    result = dbt(tmp, "test", "--select", "tag:reproduction", check=False)
    assert not result.success
    assert [r.failures for r in result.result] == [1]


def test_a_restated_baseline_month_reaches_every_later_month(own_copy):
    """After a restated March 2018 overall page, the next build rewrites June too: June's change is measured
    against the new March. (Arizona's: the five-district sum is TRAC's published figure, which wins.)"""
    db, tmp = own_copy
    (march_before,) = query(db, "SELECT non_immigration_prosecutions FROM marts.fct_displacement_district_month "
                                "WHERE geography = 'AZ' AND month = DATE '2018-03-01'")[0]
    query(db, "UPDATE raw.trac_district_rankings SET prosecutions = prosecutions + 200 "
              "WHERE series = 'overall' AND district_name = 'Arizona' AND month = DATE '2018-03-01'")
    dbt(tmp, "run", "--select", "+fct_displacement_district_month")
    march, june, june_change = query(
        db, "SELECT max(non_immigration_prosecutions) FILTER (WHERE month = DATE '2018-03-01'), "
            "max(non_immigration_prosecutions) FILTER (WHERE month = DATE '2018-06-01'), "
            "max(pct_change_vs_baseline_non_immigration) FILTER (WHERE month = DATE '2018-06-01') "
            "FROM marts.fct_displacement_district_month WHERE geography = 'AZ'")[0]
    # Arizona's March is modelled, so it is scaled with the others to TRAC's five-district 1,093: it gains
    # a share of the 200, not all of it
    assert march_before < march < march_before + 200
    assert june_change == pytest.approx(june / march - 1)


FIVE_DISTRICTS = "('AZ', 'CAS', 'NM', 'TXS', 'TXW')"


def test_modelled_districts_are_scaled_to_trac_s_five_district_figure(built):
    """The tiny fixture's modelled districts sum to 1,103 in March 2018, TRAC printed 1,093 for the five:
    the districts are scaled to it, say so in their basis, and keep immigration + non-immigration = all;
    the checks mart still shows the bulletins' own, unscaled 1,103."""
    db, _ = built
    rows = query(db, "SELECT sum(prosecutions), list(DISTINCT basis) FROM marts.fct_prosecutions_district_month "
                     f"WHERE district_code IN {FIVE_DISTRICTS} AND month = DATE '2018-03-01' "
                     "AND series = 'non_immigration'")
    assert rows == [(1093, ["modelled_scaled_to_published"])]
    assert query(db, "SELECT count(*) FROM marts.fct_displacement_district_month WHERE month = DATE '2018-03-01' "
                     "AND geography_type = 'district' AND (non_immigration_prosecutions "
                     "<> total_prosecutions - immigration_prosecutions OR NOT is_modelled)") == [(0,)]
    assert sw_border(db, "2018-03-01", "non_immigration_prosecutions, non_immigration_prosecutions_basis, "
                     "non_immigration_prosecutions_districts_sum, non_immigration_prosecutions_residual") == (
        1093, "published", 1093, 0)
    assert query(db, "SELECT independent_value FROM marts.fct_published_figure_checks WHERE geography = "
                     "'SW_BORDER' AND published_series = 'non_immigration_prosecutions' AND period = '2018-03'") == [
        (1103,)]


def test_real_districts_keep_their_figures_and_sw_border_carries_the_residual(own_copy):
    """Real district figures (another snapshot than TRAC's report) are not scaled: SW_BORDER keeps TRAC's
    1,093, with the districts' 1,103 and the residual beside it, and the rows still add up."""
    db, tmp = own_copy
    query(db, "UPDATE raw.trac_district_rankings SET modelled_figures = '' WHERE month = DATE '2018-03-01'")
    dbt(tmp, "run", "--select", "+fct_displacement_district_month")
    assert sw_border(db, "2018-03-01", "non_immigration_prosecutions, non_immigration_prosecutions_basis, "
                     "non_immigration_prosecutions_districts_sum, non_immigration_prosecutions_residual") == (
        1093, "published", 1103, -10)
    assert query(db, "SELECT list(DISTINCT basis) FROM marts.fct_prosecutions_district_month "
                     f"WHERE district_code IN {FIVE_DISTRICTS} AND month = DATE '2018-03-01' "
                     "AND series = 'non_immigration'") == [(["derived"],)]
    nb, us = (query(db, "SELECT non_immigration_prosecutions FROM marts.fct_displacement_district_month "
                        f"WHERE geography = '{g}' AND month = DATE '2018-03-01'")[0][0] for g in ("NON_BORDER", "US"))
    assert nb == us - 1093
    assert dbt(tmp, "test", "--select", "geography_rows_add_up").success


@pytest.mark.parametrize("change", [
    # one district off in a month TRAC published the five-district figure for
    "UPDATE marts.fct_displacement_district_month SET non_immigration_prosecutions = non_immigration_prosecutions"
    " + 29 WHERE geography = 'AZ' AND month = DATE '2018-06-01'",
    # NON_BORDER built from anything but US - SW_BORDER
    "UPDATE marts.fct_displacement_district_month SET total_prosecutions = total_prosecutions + 1"
    " WHERE geography = 'NON_BORDER' AND month = DATE '2018-04-01'",
    # a cumulative column that no longer adds up
    "UPDATE marts.fct_displacement_district_month SET cumulative_missing_non_immigration ="
    " cumulative_missing_non_immigration + 29 WHERE geography = 'SW_BORDER' AND month = DATE '2018-06-01'",
])
def test_the_additivity_test_fails_when_a_row_does_not_add_up(own_copy, change):
    db, tmp = own_copy
    assert dbt(tmp, "test", "--select", "geography_rows_add_up").success
    query(db, change)
    result = dbt(tmp, "test", "--select", "geography_rows_add_up", check=False)
    assert not result.success


def test_missing_prosecutions_count_over_the_policy_window(built):
    """By default (dbt_project.yml) the missing window is April 2018 - March 2019: nothing is missing
    outside it, not even in the March baseline."""
    db, _ = built
    window = query(db, "SELECT DISTINCT policy_start, policy_end FROM marts.fct_displacement_district_month")
    assert [(a.isoformat(), b.isoformat()) for a, b in window] == [("2018-04-01", "2019-03-01")]
    columns = [f"{stem}{cf}" for stem in ("missing_non_immigration", "cumulative_missing_non_immigration")
               for cf in ("", "_year_ago", "_trend")]
    outside = query(db, "SELECT count(*) FROM marts.fct_displacement_district_month "
                        f"WHERE month NOT BETWEEN policy_start AND policy_end AND coalesce({', '.join(columns)}) IS NOT NULL")
    assert outside == [(0,)]
    inside = query(db, "SELECT count(missing_non_immigration) FROM marts.fct_displacement_district_month "
                       "WHERE month BETWEEN policy_start AND policy_end")
    assert inside[0][0] > 0


def test_cumulative_missing_stops_at_the_end_of_the_window(own_copy):
    """A window ending in May: May's cumulative is April's and May's shortfalls, June's is NULL."""
    db, tmp = own_copy
    dbt(tmp, "run", "--select", "fct_displacement_district_month", "--vars", "{policy_end: '2018-05'}")
    rows = query(db, "SELECT month, missing_non_immigration, cumulative_missing_non_immigration "
                     "FROM marts.fct_displacement_district_month WHERE geography = 'SW_BORDER' "
                     "AND month >= DATE '2018-03-01' ORDER BY month")
    (_, march, march_cum), (_, april, april_cum), (_, may, may_cum), (_, june, june_cum) = rows
    assert (march, march_cum, june, june_cum) == (None, None, None, None)
    assert (april_cum, may_cum) == (april, april + may)


def test_a_window_starting_before_the_baseline_month_is_refused(own_copy):
    _, tmp = own_copy
    result = dbt(tmp, "compile", "--select", "fct_displacement_district_month",
                 "--vars", "{policy_start: '2018-03'}", check=False)
    assert not result.success
    assert "policy_start must follow baseline_month" in str(result.exception or result.result)


def test_metrics_totals_are_the_marts_cumulative_columns(own_copy):
    """`crowdout metrics` adds the mart's missing figures over the months of its range in the policy window;
    on the dbt-built mart that is the cumulative column at the range's last month, for each counterfactual
    (the fixture's pre-baseline months give no trend fit, so that one is unknown in both). Read from a copy:
    the in-process dbt keeps the built file open."""
    import datetime as dt

    from orchestration.analysis import counterfactuals, metrics_table

    db, _ = own_copy
    view = metrics_table.load(db, "SW_BORDER", dt.date(2018, 1, 1), dt.date(2018, 6, 1))
    for cf in counterfactuals.COUNTERFACTUALS:
        (cumulative,) = sw_border(db, "2018-06-01", cf.cumulative)
        total = counterfactuals.missing_total(view.rows, cf)
        assert total == (None if cumulative is None else pytest.approx(cumulative))
    assert counterfactuals.missing_total(view.rows) is not None


def test_marts_read_intermediate_models_not_staging(built):
    """dbt's layers: a mart reads intermediate models and seeds (refs in its macros included), never staging."""
    _, tmp = built
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    marts = {uid: node for uid, node in manifest["nodes"].items()
             if node["resource_type"] == "model" and node["path"].startswith("marts/")}
    assert marts
    reads_staging = {uid: [d for d in node["depends_on"]["nodes"] if d.split(".")[-1].startswith("stg_")]
                     for uid, node in marts.items()}
    assert {uid: deps for uid, deps in reads_staging.items() if deps} == {}


def test_the_published_share_is_compared_with_the_row_s_share_in_percent(built):
    """TRAC printed 14 (percent); the mart sets it beside 100 x the SW_BORDER row's share, as the summary
    prints it: an independent check, not 'not comparable'."""
    db, _ = built
    (share,) = sw_border(db, "2018-03-01", "non_immigration_share")
    rows = query(db, "SELECT published_value, warehouse_value, agreement, residual FROM "
                     "marts.fct_published_figure_checks WHERE series = 'non_immigration_share' AND period = '2018-03'")
    assert rows == [(14.0, pytest.approx(100 * share), "independent", pytest.approx(100 * share - 14))]


def test_prosecutions_by_program_are_the_national_program_pages_with_their_basis(built):
    """Each TRAC program bulletin is a program of the nation; a published figure replaces a modelled page's,
    and a real page's figure stays published."""
    db, _ = built
    rows = query(db, "SELECT program, prosecutions, basis, release_ids[1] FROM marts.fct_prosecutions_by_program "
                     "WHERE geography = 'US' AND month = DATE '2018-06-01' ORDER BY program")
    assert [(p, n, b) for p, n, b, _ in rows] == [
        ("drugs", 1790, "published"), ("immigration", 11514, "modelled"), ("weapons", 750, "published"),
        ("white_collar", 450, "published")]
    assert rows[0][3].startswith("trac-published-figures:") and rows[-1][3].startswith("trac-bulletin:")
    assert query(db, "SELECT DISTINCT geography FROM marts.fct_prosecutions_by_program") == [("US",)]


def test_displacement_by_program_against_the_baseline_and_the_pre_baseline_mean(built):
    """June 2018 against March (the baseline) and against the mean of the twelve months before it, missing
    prosecutions summed over the policy window from April: drugs 50 + 100 + 210 (June's published 1,790)."""
    db, _ = built
    rows = {r[0]: r[1:] for r in query(
        db, "SELECT program, pct_change_vs_baseline, pct_change_vs_baseline_basis, expected_prosecutions, "
            "missing_prosecutions, cumulative_missing_prosecutions, cumulative_missing_prosecutions_basis "
            "FROM marts.fct_displacement_by_program WHERE geography = 'US' AND month = DATE '2018-06-01'")}
    # the published June figure, against modelled pages: the change is modelled
    assert rows["drugs"] == (pytest.approx(-0.105), "modelled", 2000, 210, 360, "modelled")
    assert rows["weapons"] == (pytest.approx(50 / 700), "derived", 700, -50, -50, "derived")
    assert rows["white_collar"] == (pytest.approx(-0.10), "derived", 500, 50, 50, "derived")
    before = query(db, "SELECT count(*) FROM marts.fct_displacement_by_program WHERE month < DATE '2018-04-01' "
                       "AND (missing_prosecutions IS NOT NULL OR cumulative_missing_prosecutions IS NOT NULL)")
    assert before == [(0,)]


def test_a_program_bulletin_figure_is_checked_as_read_from_the_same_page(built):
    """TRAC's slugs carry underscores (white_collar_crime): a figure read from that bulletin's Table 1 is the
    page's own figure, agreeing by construction, never an independent confirmation."""
    db, _ = built
    assert query(db, "SELECT agreement FROM marts.fct_published_figure_checks "
                     "WHERE published_series = 'white_collar_prosecutions'") == [("by_construction",)]
