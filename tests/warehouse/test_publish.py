"""Publishing swaps the analysts' file atomically; an open reader keeps its snapshot."""

import duckdb

from orchestration.warehouse.publish import publish


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
