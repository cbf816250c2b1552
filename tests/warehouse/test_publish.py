"""Publishing swaps the analysts' file atomically; an open reader keeps its snapshot."""

from datetime import datetime, timezone

import duckdb
import pytest

from orchestration.connectors.catalog import FAMILIES
from orchestration.warehouse import registry
from orchestration.warehouse.publish import PublishRefused, inventory, publish
from orchestration.warehouse.schema import ensure_schema


def _write(path, value):
    con = duckdb.connect(str(path))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT ? AS v", [value])
    con.close()


def test_publish_replaces_the_file_and_open_readers_keep_their_snapshot(tmp_path):
    build, published = tmp_path / "w.build.duckdb", tmp_path / "w.duckdb"
    _write(build, "first")
    publish(build, published)

    reader = duckdb.connect(str(published), read_only=True)
    _write(build, "second")
    publish(build, published)

    assert reader.execute("SELECT v FROM t").fetchone()[0] == "first"
    reader.close()
    fresh = duckdb.connect(str(published), read_only=True)
    assert fresh.execute("SELECT v FROM t").fetchone()[0] == "second"
    fresh.close()
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_killed_publish_leaves_no_temp_copy_behind_the_next_one(tmp_path):
    build, published = tmp_path / "w.build.duckdb", tmp_path / "w.duckdb"
    _write(build, "first")
    (tmp_path / ".w.duckdb.12345.tmp").write_bytes(b"half a copy")
    publish(build, published)
    assert not list(tmp_path.glob(".*.tmp"))


def _warehouse(path, months, families):
    """A warehouse with one month-grained mart (one row per month) and a registry of releases, in the
    real registry schema."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS meta")
    con.execute("""CREATE OR REPLACE TABLE marts.fct_displacement_district_month AS
                   SELECT CAST(m AS DATE) AS month, 1 AS n FROM unnest(?::VARCHAR[]) t(m)""",
                [[f"{m}-01" for m in months]])
    ensure_schema(con, FAMILIES.values())
    con.execute("DELETE FROM meta.releases")
    for family, n in families.items():
        for i in range(n):
            registry.upsert_release(
                con, release_id=f"{family}:{i}", family=family, release_key=f"k{i}", url=f"file:///k{i}",
                fetched_at=datetime(2024, 1, 1, tzinfo=timezone.utc), published_at=None, sha256=f"{i}",
                bytes_=1, etag=None, last_modified=None, content_type=None, landing_path=f"/landing/k{i}",
                is_modelled=False, status="loaded", error=None, row_count=1, months_covered=None,
            )
    con.close()


MONTHS_2018_2019 = [f"{y}-{m:02d}" for y in (2018, 2019) for m in range(1, 13)]


def test_a_build_holding_less_than_the_published_warehouse_is_refused_naming_the_loss(tmp_path):
    """Issue 11, case 3: a range refresh on a fresh build file held 2019-01..09 only; it must not
    replace a published warehouse holding 2018-2019."""
    build, published = tmp_path / "w.build.duckdb", tmp_path / "w.duckdb"
    _warehouse(build, MONTHS_2018_2019, {"trac-bulletin": 4, "cbp-sbo": 1})
    publish(build, published)
    before = published.read_bytes()

    _warehouse(build, MONTHS_2018_2019[12:21], {"trac-bulletin": 1, "cbp-sbo": 1})
    with pytest.raises(PublishRefused) as refused:
        publish(build, published)
    message = str(refused.value)
    assert "marts.fct_displacement_district_month: 15 months, 2018-01 .. 2019-12" in message
    assert "15 of its 24 rows" in message
    assert "trac-bulletin would have 1 releases, not 4" in message and "cbp-sbo" not in message
    assert "--allow-shrink" in message
    assert published.read_bytes() == before

    publish(build, published, allow_shrink=True)  # the operator says the loss is intended
    assert inventory(published).rows == {"fct_displacement_district_month": 9}


def test_a_build_that_adds_months_and_releases_is_published(tmp_path):
    build, published = tmp_path / "w.build.duckdb", tmp_path / "w.duckdb"
    _warehouse(build, MONTHS_2018_2019[:12], {"trac-bulletin": 1})
    publish(build, published)
    _warehouse(build, MONTHS_2018_2019, {"trac-bulletin": 2, "cbp-sbo": 1})
    publish(build, published)
    assert inventory(published).releases == {"trac-bulletin": 2, "cbp-sbo": 1}
    con = duckdb.connect(str(published), read_only=True)
    assert con.execute("SELECT releases_loaded FROM meta.publishes ORDER BY published_at").fetchall() == [(1,), (3,)]
    con.close()


def test_a_missing_build_file_starts_from_the_published_warehouse(settings):
    """A fresh machine pointed at an existing warehouse: the writer's first connection copies it."""
    from orchestration.warehouse import ingest

    _warehouse(settings.warehouse, MONTHS_2018_2019, {"trac-bulletin": 4})
    assert not settings.build_warehouse.exists()
    ingest.connect_build(settings).close()
    assert inventory(settings.build_warehouse) == inventory(settings.warehouse)
    assert not list(settings.data_dir.glob(".*.tmp"))


def test_changes_name_the_releases_a_publish_adds_and_the_ones_it_withdraws(tmp_path):
    """What the publish step records for "new this run" (issue 20): the withdrawal it carries out to
    analysts, and the releases new to them, whether this run or a hand ingest loaded them."""
    from orchestration.warehouse.publish import changes

    published, build = tmp_path / "w.duckdb", tmp_path / "w.build.duckdb"
    _warehouse(published, MONTHS_2018_2019, {"cbp-sbo": 2})
    _warehouse(build, MONTHS_2018_2019, {"cbp-sbo": 3})
    con = duckdb.connect(str(build))
    registry.withdraw(con, "cbp-sbo:1", "wrong file uploaded")
    con.close()
    found = changes(build, published)
    assert found.published == ["cbp-sbo:2"]
    assert found.withdrawn == [("cbp-sbo:1", "wrong file uploaded")]
    assert changes(published, published).published == [] and changes(build, tmp_path / "none.duckdb").withdrawn == []
