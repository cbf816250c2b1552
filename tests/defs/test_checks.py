"""Ingestion checks on small hand-made registries in the real registry schema, and their wiring as Dagster
check specs."""

from datetime import date

import duckdb
import pytest

from orchestration.config import RELEASES_TOML, read_releases
from orchestration.connectors import trac
from orchestration.connectors.catalog import FAMILIES
from orchestration.connectors.release import RawColumn
from orchestration.defs import checks
from orchestration.warehouse import quality, registry
from orchestration.warehouse.schema import ensure_schema

LIMITS = read_releases(RELEASES_TOML).checks  # [checks] as shipped


@pytest.fixture
def con():
    """The real registry DDL, and one raw table `t` standing in for a family's table."""
    con = duckdb.connect()
    ensure_schema(con, [])
    con.execute("CREATE TABLE raw.t (release_id VARCHAR, n BIGINT)")
    yield con
    con.close()


def _release(con, rid, key, months, loaded_at, rows, *, family="fam", published_at=None):
    """A loaded release; fetched when it was loaded, dated by the publisher only if `published_at`."""
    registry.upsert_release(
        con, release_id=rid, family=family, release_key=key, url=f"file:///{key}", fetched_at=loaded_at,
        published_at=published_at, sha256=rid * 8, bytes_=1, etag=None, last_modified=None,
        content_type=None, landing_path=f"/landing/{key}", is_modelled=False, status="loaded", error=None,
        row_count=rows, months_covered=[date.fromisoformat(m + "-01") for m in months],
    )
    con.execute("UPDATE meta.releases SET loaded_at = ? WHERE release_id = ?", [loaded_at, rid])
    con.execute("INSERT INTO raw.t SELECT ?, range FROM range(?)", [rid, rows])


def _months(first_year, n):
    return [f"{first_year + (m // 12)}-{m % 12 + 1:02d}" for m in range(n)]


def test_a_release_is_compared_with_the_one_covering_the_same_months_whatever_its_name(con):
    """Issue 11, case 8: a partial file under another name was compared with nothing and published."""
    _release(con, "full", "nationwide-encounters-fy20-fy23-state.csv", _months(2019, 48), "2024-01-01", 1000)
    assert quality.row_count_vs_previous(con, "fam", "t", LIMITS).passed
    _release(con, "short", "short-state.csv", _months(2019, 22), "2024-02-01", 470)
    rows = quality.row_count_vs_previous(con, "fam", "t", LIMITS)
    assert not rows.passed and rows.blocking
    assert (rows.metadata["release_id"], rows.metadata["previous_release_id"]) == ("short", "full")
    assert "crowdout release withdraw short --reason" in rows.way_out and "withdraw" not in rows.description
    months = quality.months_covered(con, "fam", LIMITS)
    assert not months.passed and months.blocking and "covers 22 month(s), the 48 of full" in months.description


def test_a_release_with_fewer_faults_than_the_one_it_restates_loses_nothing(con):
    """An NCD dump with 3 records set aside restated by one with none: raw.eousa_ncd_rejects shrinking is no loss."""
    con.execute("CREATE TABLE raw.eousa_ncd_rejects AS SELECT * FROM raw.t")
    _release(con, "sep", "2019-09", _months(2017, 24), "2024-01-01", 3, family="eousa-ncd")
    _release(con, "oct", "2019-10", _months(2017, 25), "2024-02-01", 0, family="eousa-ncd")
    con.execute("INSERT INTO raw.eousa_ncd_rejects SELECT * FROM raw.t")
    assert not quality.row_count_vs_previous(con, "eousa-ncd", "t", LIMITS).passed  # the same counts as data: blocked
    assert quality.row_count_vs_previous(con, "eousa-ncd", "eousa_ncd_rejects", LIMITS).passed


def test_a_new_edition_that_moves_its_window_passes(con):
    _release(con, "fy20", "file-fy20-fy23.csv", _months(2019, 48), "2024-01-01", 1000)
    _release(con, "fy21", "file-fy21-fy24.csv", _months(2020, 48), "2025-01-01", 990)
    assert quality.row_count_vs_previous(con, "fam", "t", LIMITS).passed
    assert quality.months_covered(con, "fam", LIMITS).passed


def test_a_restatement_that_ends_earlier_blocks_and_one_that_loses_some_rows_warns(con):
    _release(con, "a", "s.csv", _months(2023, 12), "2024-01-01", 100)
    _release(con, "b", "s2.csv", _months(2023, 11), "2024-02-01", 80)
    ends = quality.months_covered(con, "fam", LIMITS)
    assert ends.blocking and "ends at 2023-11, before 2023-12" in ends.description
    warned = quality.row_count_vs_previous(con, "fam", "t", LIMITS)
    assert not warned.passed and not warned.blocking and warned.metadata["ratio"] == 0.8


def test_an_older_file_by_publication_date_is_never_a_restatement_of_a_newer_one(con):
    _release(con, "new", "fy20-fy23.csv", _months(2019, 48), "2024-01-01", 1000, published_at="2023-11-15")
    _release(con, "old", "fy19-fy22.csv", _months(2018, 36), "2024-02-01", 300, published_at="2022-11-15")
    # "old" is loaded last, yet it is the one restated (by "new"), never the restatement.
    assert [(p.new.release_id, p.old.release_id) for p in quality.restatements(con, "fam")] == [("new", "old")]
    assert quality.row_count_vs_previous(con, "fam", "t", LIMITS).passed and quality.months_covered(con, "fam", LIMITS).passed


def test_an_older_edition_fetched_after_a_newer_one_without_dates_is_not_a_restatement(con):
    """Issue 12: a newer edition loaded by hand, then the older file the publisher's page still links, neither
    dated by a publisher: the older window lies wholly before the newer one, so it restates nothing."""
    _release(con, "newer", "sbo-fy22-fy25-aug.csv", _months(2021, 47), "2025-09-20", 1000)
    _release(con, "older", "sbo-fy20-fy23.csv", _months(2019, 48), "2025-09-21", 1000)
    assert quality.restatements(con, "fam") == []
    assert quality.months_covered(con, "fam", LIMITS).passed


def test_only_releases_loaded_since_the_last_publish_are_checked_however_they_were_loaded(con):
    _release(con, "full", "f.csv", _months(2019, 48), "2024-01-01", 1000)
    _release(con, "short", "g.csv", _months(2019, 48), "2024-02-01", 10)
    assert quality.row_count_vs_previous(con, "fam", "t", LIMITS).blocking
    con.execute("INSERT INTO meta.publishes (published_at, releases_loaded) VALUES ('2024-03-01', 2)")  # published (before the checks existed)
    assert quality.row_count_vs_previous(con, "fam", "t", LIMITS).passed
    _release(con, "shorter", "by-hand.csv", _months(2019, 48), "2024-04-01", 3)
    outcome = quality.row_count_vs_previous(con, "fam", "t", LIMITS)
    assert outcome.blocking and outcome.metadata["previous_release_id"] == "short"


def test_keyed_pages_are_compared_with_the_same_page_only(con):
    trac = dict(family="trac-bulletin")
    _release(con, "nat", "immigration/2018-03/US", ["2018-03"], "2024-01-01", 200, **trac)
    _release(con, "az", "immigration/2018-03/AZ", ["2018-03"], "2024-01-01", 20, **trac)
    assert quality.row_count_vs_previous(con, "trac-bulletin", "t", LIMITS).passed  # AZ is not a restated national page
    _release(con, "az2", "immigration/2018-03/AZ", ["2018-03"], "2024-02-01", 2, **trac)
    outcome = quality.row_count_vs_previous(con, "trac-bulletin", "t", LIMITS)
    assert outcome.blocking and outcome.metadata["previous_release_id"] == "az"


def test_a_withdrawn_release_is_neither_checked_nor_compared_with(con):
    _release(con, "full", "f.csv", _months(2019, 48), "2024-01-01", 1000)
    _release(con, "short", "g.csv", _months(2019, 2), "2024-02-01", 1)
    assert quality.months_covered(con, "fam", LIMITS).blocking
    registry.withdraw(con, "short", "truncated download")
    assert quality.months_covered(con, "fam", LIMITS).passed and quality.row_count_vs_previous(con, "fam", "t", LIMITS).passed
    assert con.execute("SELECT status, error FROM meta.releases WHERE release_id = 'short'").fetchall() == [
        ("withdrawn", "truncated download")]
    registry.restore(con, "short")
    assert quality.months_covered(con, "fam", LIMITS).blocking


def test_the_thresholds_are_configuration(con, tmp_path):
    _release(con, "a", "f.csv", _months(2019, 12), "2024-01-01", 100)
    _release(con, "b", "g.csv", _months(2019, 12), "2024-02-01", 40)
    assert quality.row_count_vs_previous(con, "fam", "t", LIMITS).blocking
    toml = tmp_path / "releases.toml"
    toml.write_text(RELEASES_TOML.read_text().replace("min_row_ratio = 0.5", "min_row_ratio = 0.3"))
    relaxed = quality.row_count_vs_previous(con, "fam", "t", read_releases(toml).checks)
    assert not relaxed.passed and not relaxed.blocking


def test_months_gap_warns(con):
    _release(con, "a", "s.csv", ["2023-01", "2023-02", "2023-04"], "2024-01-01", 1)
    gap = quality.months_covered(con, "fam", LIMITS)
    assert not gap.passed and not gap.blocking and gap.metadata["gaps"] == "2023-03"


def test_schema_unchanged_against_the_connector_declaration(con):
    assert quality.schema_unchanged(con, "t", [RawColumn("n", "BIGINT", "")]).passed
    drifted = quality.schema_unchanged(con, "t", [RawColumn("n", "INTEGER", "")])
    assert not drifted.passed and drifted.blocking


def test_every_family_gets_its_checks_on_its_own_raw_tables_all_blocking():
    for family in FAMILIES.values():
        specs = checks.check_specs(family, LIMITS)
        assert {s.asset_key.path[1] for s in specs} == set(family.raw_tables)
        assert sum(s.name == checks.MONTHS_COVERED for s in specs) == 1
        # all blocking but the catalogue warning, which a series the publisher adds must never turn into a block
        assert all(s.blocking != (s.name == checks.SERIES_CATALOGUED) for s in specs)


def test_an_uncatalogued_trac_series_warns_naming_it_and_never_blocks():
    con = duckdb.connect()
    ensure_schema(con, [trac.BULLETIN])
    assert quality.series_catalogued(con, "trac_table1").passed
    for rid, series, catalogued in (("known", "weapons", True), ("new", "childporn", False)):
        registry.upsert_release(
            con, release_id=rid, family=trac.FAMILY, release_key=f"{series}/2019-05", url=f"file:///{series}",
            fetched_at="2024-01-01", published_at=None, sha256=rid * 8, bytes_=1, etag=None, last_modified=None,
            content_type=None, landing_path="/l", is_modelled=False, status="loaded", error=None, row_count=1,
            months_covered=[date(2019, 5, 1)])
        con.execute("INSERT INTO raw.trac_table1 (release_id, series, month, catalogued) VALUES (?, ?, ?, ?)",
                    [rid, series, date(2019, 5, 1), catalogued])
    outcome = quality.series_catalogued(con, "trac_table1")
    assert not outcome.passed and not outcome.blocking
    assert "childporn (1 page(s), 2019-05 to 2019-05)" in outcome.description and "weapons" not in outcome.description
    specs = {spec.name: spec for spec in checks.check_specs(FAMILIES[trac.FAMILY], LIMITS)}
    assert not specs[checks.SERIES_CATALOGUED].blocking
    results = {r.check_name: r for r in checks.check_results(con, FAMILIES[trac.FAMILY], LIMITS)}
    assert results[checks.SERIES_CATALOGUED].severity.value == "WARN"
    assert not results[checks.SERIES_CATALOGUED].passed
