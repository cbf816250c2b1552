"""Ingestion checks on small hand-made registries, and their wiring as Dagster check specs."""

from datetime import date

import duckdb
import pytest

from orchestration import quality
from orchestration.defs import checks
from orchestration.sources.catalog import FAMILIES
from orchestration.sources.release import RawColumn


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA meta; CREATE SCHEMA raw")
    con.execute("""CREATE TABLE meta.releases (release_id VARCHAR, family VARCHAR, release_key VARCHAR,
                   status VARCHAR, months_covered DATE[], loaded_at TIMESTAMP, fetched_at TIMESTAMP,
                   published_at TIMESTAMP)""")
    con.execute("CREATE TABLE raw.t (release_id VARCHAR, n BIGINT)")
    yield con
    con.close()


def _release(con, rid, key, months, loaded_at, rows, published_at=None):
    con.execute("INSERT INTO meta.releases VALUES (?, 'fam', ?, 'loaded', ?, ?, ?, ?)",
                [rid, key, [date.fromisoformat(m + "-01") for m in months], loaded_at, loaded_at, published_at])
    con.execute("INSERT INTO raw.t SELECT ?, range FROM range(?)", [rid, rows])


def test_row_count_compares_each_series_with_its_previous_edition(con):
    _release(con, "a", "file-fy23-fy25.csv", ["2023-01", "2023-02"], "2024-01-01", 100)
    _release(con, "b", "file-fy23-fy26.csv", ["2023-01", "2023-02", "2023-03"], "2024-02-01", 95)
    assert quality.row_count_vs_previous(con, "fam", "t").passed
    _release(con, "c", "file-fy23-fy26-jan.csv", ["2023-01", "2023-02", "2023-04"], "2024-03-01", 40)
    outcome = quality.row_count_vs_previous(con, "fam", "t")
    assert not outcome.passed and outcome.blocking and outcome.metadata["release_id"] == "c"


def test_months_gap_warns_and_a_restatement_that_drops_months_blocks(con):
    _release(con, "a", "s.csv", ["2023-01", "2023-02", "2023-04"], "2024-01-01", 1, published_at="2024-01-01")
    gap = quality.months_covered(con, "fam")
    assert not gap.passed and not gap.blocking and gap.metadata["gaps"] == "2023-03"
    _release(con, "b", "s.csv", ["2023-01", "2023-02"], "2024-02-01", 1, published_at="2024-02-01")
    shrunk = quality.months_covered(con, "fam")
    assert not shrunk.passed and shrunk.blocking and "ends at 2023-02" in shrunk.description


def test_an_older_edition_fetched_after_a_newer_one_is_not_a_restatement(con):
    """A newer edition loaded by hand, then the older file the publisher's page still links: neither has a
    publication date, so nothing says the shorter file is the newer one."""
    _release(con, "newer", "s-fy23-fy26-aug.csv", ["2023-01", "2023-02", "2023-03"], "2024-01-01", 1)
    _release(con, "older", "s-fy20-fy23.csv", ["2023-01", "2023-02"], "2024-02-01", 1)
    assert quality.months_covered(con, "fam").passed


def test_schema_unchanged_against_the_connector_declaration(con):
    assert quality.schema_unchanged(con, "t", [RawColumn("n", "BIGINT", "")]).passed
    drifted = quality.schema_unchanged(con, "t", [RawColumn("n", "INTEGER", "")])
    assert not drifted.passed and drifted.blocking


def test_every_family_gets_its_checks_on_its_own_raw_tables_all_blocking():
    for family in FAMILIES.values():
        specs = checks.check_specs(family)
        assert {s.asset_key.path[1] for s in specs} == set(family.raw_tables)
        assert sum(s.name == checks.MONTHS_COVERED for s in specs) == 1
        assert all(s.blocking for s in specs)
