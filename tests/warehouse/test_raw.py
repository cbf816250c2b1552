"""Raw loads replace a release's rows atomically and register it, or change nothing."""

from datetime import date, datetime, timezone

import duckdb
import pyarrow as pa
import pytest

from orchestration.connectors.release import Family, ParsedRelease, RawColumn, ReleaseRef
from orchestration.warehouse import raw, registry
from orchestration.warehouse.schema import ensure_schema

FAMILY = Family(
    name="toy",
    raw_tables={
        "toy_counts": (RawColumn("month_label", "VARCHAR", ""), RawColumn("n", "BIGINT", "")),
        "toy_notes": (RawColumn("note", "VARCHAR", ""),),
    },
    discover=lambda *a, **k: [],
    parse=lambda path, ref: None,
)
REF = ReleaseRef("toy", "file:///toy.csv", "toy.csv")


def _file(sha="a" * 64):
    return raw.ReleaseFile(sha256=sha, bytes=10, landing_path="/landing/toy.csv",
                           fetched_at=datetime(2026, 1, 1, tzinfo=timezone.utc))


def _parsed(n_rows=3):
    return ParsedRelease(
        tables={
            "toy_counts": pa.table({"month_label": [f"m{i}" for i in range(n_rows)], "n": list(range(n_rows))}),
            "toy_notes": pa.table({"note": ["hello"]}),
        },
        months=[date(2018, 3, 1), date(2018, 3, 1), date(2018, 4, 1)],
    )


@pytest.fixture
def con():
    c = duckdb.connect()
    ensure_schema(c, [FAMILY])
    yield c
    c.close()


def _count(con, table):
    return con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]


def test_load_registers_release_with_rows_and_months(con):
    rid = raw.load_release(con, FAMILY, REF, _file(), _parsed())
    assert rid == registry.release_id("toy", "a" * 64) == "toy:" + "a" * 16
    assert _count(con, "toy_counts") == 3 and _count(con, "toy_notes") == 1
    status, rows, months = con.execute(
        "SELECT status, row_count, months_covered FROM meta.releases WHERE release_id = ?", [rid]
    ).fetchone()
    assert (status, rows) == ("loaded", 4)
    assert months == [date(2018, 3, 1), date(2018, 4, 1)]
    assert con.execute("SELECT DISTINCT release_id FROM raw.toy_counts").fetchall() == [(rid,)]


def test_loading_the_same_release_twice_gives_the_same_tables(con):
    raw.load_release(con, FAMILY, REF, _file(), _parsed())
    first = con.execute("SELECT * FROM raw.toy_counts ORDER BY ALL").fetchall()
    raw.load_release(con, FAMILY, REF, _file(), _parsed())
    assert con.execute("SELECT * FROM raw.toy_counts ORDER BY ALL").fetchall() == first
    assert con.execute("SELECT count(*) FROM meta.releases").fetchone()[0] == 1


def test_a_failure_mid_load_changes_nothing(con):
    raw.load_release(con, FAMILY, REF, _file(), _parsed())
    before = con.execute("SELECT * FROM raw.toy_counts ORDER BY ALL").fetchall()
    broken = _parsed(5)
    broken.tables["toy_notes"] = pa.table({"wrong_column": ["x"]})  # fails after toy_counts was replaced
    with pytest.raises(ValueError, match="declared"):
        raw.load_release(con, FAMILY, REF, _file(), broken)
    assert con.execute("SELECT * FROM raw.toy_counts ORDER BY ALL").fetchall() == before
    assert _count(con, "toy_notes") == 1


def test_failed_release_is_registered_without_touching_raw_tables(con):
    raw.record_failed_release(con, FAMILY, REF, _file("b" * 64), "changed CSV header")
    assert _count(con, "toy_counts") == 0
    assert con.execute("SELECT status, error FROM meta.releases").fetchall() == [("failed", "changed CSV header")]


def test_a_failure_never_overwrites_a_loaded_release(con):
    raw.load_release(con, FAMILY, REF, _file(), _parsed())
    raw.record_failed_release(con, FAMILY, REF, _file(), "boom")
    assert con.execute("SELECT status FROM meta.releases").fetchall() == [("loaded",)]


@pytest.mark.parametrize("modelled", [True, False])
def test_a_release_the_parser_found_modelled_is_registered_as_modelled(con, modelled):
    family = Family("toy2", {"t": (RawColumn("n", "BIGINT", ""),)}, discover=lambda *a, **k: [],
                    parse=lambda p, r: None)
    ensure_schema(con, [family])
    parsed = ParsedRelease({"t": pa.table({"n": [1, 2]})}, modelled=modelled)
    rid = raw.load_release(con, family, ReleaseRef("toy2", "file:///p", "p"), _file(), parsed)
    assert con.execute("SELECT is_modelled FROM meta.releases WHERE release_id = ?", [rid]).fetchone() == (modelled,)


def test_a_raw_table_built_before_a_column_was_declared_gains_it_in_order():
    from orchestration.connectors import trac
    from orchestration.warehouse import quality

    declared = trac.RAW_TABLES["trac_table1"]
    old = Family(trac.FAMILY, {"trac_table1": tuple(c for c in declared
                                                    if c.name not in ("catalogued", "series_kind", "pct_change_5yr"))},
                 discover=lambda *a, **k: [], parse=lambda p, r: None)
    c = duckdb.connect()
    ensure_schema(c, [old])
    c.execute("INSERT INTO raw.trac_table1 (release_id, series, number_latest_month) VALUES ('r', 'immigration', 1)")
    assert not quality.schema_unchanged(c, "trac_table1", declared).passed
    ensure_schema(c, [trac.BULLETIN])
    assert quality.schema_unchanged(c, "trac_table1", declared).passed
    assert c.execute("SELECT series, number_latest_month, catalogued FROM raw.trac_table1").fetchall() == [
        ("immigration", 1, None)]
