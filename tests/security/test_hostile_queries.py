"""An analyst's query stays within crowdout's limits: memory, threads and spill are crowdout's to set, the
result streams to its output, the timeout covers the writing, and `--output` cannot reach crowdout's files.

Each memory-heavy case runs under a small memory limit set for the test (a releases file of its own),
with an input just big enough to exceed it, so the test itself never takes the machine.
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest

from orchestration import cli
from orchestration.analysis import query
from orchestration.config import RELEASES_TOML


@pytest.fixture
def small_limits(warehouse, tmp_path, monkeypatch):
    """A 64 MB memory limit, one thread and 256 MB of spill, in a releases file of the test's own; the
    system temp folder is the test's, to see what a query leaves there."""
    toml = tmp_path / "releases.toml"
    toml.write_text(RELEASES_TOML.read_text()
                    .replace('memory_limit = "2GB"', 'memory_limit = "64MB"')
                    .replace("threads = 2", "threads = 1")
                    .replace('max_temp_directory_size = "10GB"', 'max_temp_directory_size = "256MB"'))
    monkeypatch.setenv("CROWDOUT_RELEASES_TOML", str(toml))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


def said(capsys) -> str:
    out = capsys.readouterr()
    return " ".join((out.out + out.err).split())


@pytest.mark.parametrize("sql", ["SET memory_limit='100GB'", "RESET memory_limit", "PRAGMA memory_limit='100GB'",
                                 "SET threads = 64", "SET GLOBAL temp_directory = '/'",
                                 "SET max_temp_directory_size = '1TB'", "SET lock_configuration = false",
                                 "SET enable_external_access = true"])
def test_sql_cannot_change_crowdouts_settings(warehouse, capsys, sql):
    assert cli.main(["query", sql]) == 1
    text = said(capsys)
    assert "the configuration has been locked" in text and "SET, RESET and PRAGMA cannot change them" in text


def test_the_settings_are_crowdouts(small_limits, capsys):
    assert cli.main(["query", "SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t, "
                              "current_setting('temp_directory') AS d", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["m"] in ("61.0 MiB", "64.0 MB", "64.0 MiB") and row["t"] == 1
    assert Path(row["d"]).parent == small_limits  # a private folder in the system's temp folder


def test_a_query_that_needs_more_memory_than_allowed_fails_clearly(small_limits, warehouse, capsys):
    # an aggregate into one list cannot spill: 20 million integers need well over 64 MB
    assert cli.main(["query", "SELECT list(i) AS l FROM range(20000000) t(i)"]) == 1
    text = said(capsys)
    assert "needs more than crowdout lets one query use" in text and "query.memory_limit" in text
    assert not list(small_limits.iterdir())  # its spill folder is gone
    assert sorted(p.name for p in warehouse.parent.iterdir() if p.name.startswith(warehouse.name)) == [warehouse.name]


def test_a_query_that_spills_leaves_nothing_behind(small_limits, warehouse, tmp_path, capsys):
    # a sort of a million hashed strings (about 70 MB) must spill past the 64 MB limit
    out = tmp_path / "sorted.csv"
    sql = "SELECT i, md5(i::VARCHAR) AS h FROM range(1000000) t(i) ORDER BY h"
    assert cli.main(["query", sql, "--format", "csv", "--output", str(out)]) == 0
    assert out.read_text().count("\n") == 1_000_001
    assert not list(small_limits.iterdir())
    assert not [p for p in warehouse.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_spill_folder_left_by_a_killed_query_is_removed_by_the_next(small_limits, warehouse, capsys):
    killed = small_limits / f"{query.SPILL_PREFIX}12345-abc"
    killed.mkdir()
    (killed / "duckdb_temp_storage_DEFAULT-0.tmp").write_bytes(b"\0" * 1000)
    assert cli.main(["query", "SELECT 1 AS a"]) == 0
    assert not killed.exists()


def test_a_spill_folder_in_use_is_kept(small_limits, warehouse):
    with query.spill_folder() as mine:
        with query.spill_folder():
            assert mine.exists()


def test_the_result_is_written_as_it_streams(monkeypatch):
    """Each batch reaches the output before the next is fetched: the result is never held whole."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    seen: list[int] = []

    def batches():
        for start in range(0, 30, 10):
            seen.append(len(out.getvalue()))
            yield pa.record_batch({"i": pa.array(range(start, start + 10), pa.int64())})

    for fmt in ("csv", "json"):
        out.seek(0)
        out.truncate()
        seen.clear()
        assert query.write(query.Result(pa.schema({"i": pa.int64()}), batches()), fmt, None) == 30
        assert seen[0] < seen[1] < seen[2]  # each batch written before the next one is fetched
    assert json.loads(out.getvalue()) == [{"i": i} for i in range(30)]


def test_the_timeout_covers_writing_the_result(warehouse, tmp_path, capsys):
    # quick for DuckDB, but two million rows take far longer than half a second to write as JSON
    out = tmp_path / "rows.json"
    assert cli.main(["query", "SELECT i FROM range(2000000) t(i)", "--format", "json", "--output", str(out),
                     "--timeout", "0.5"]) == 1
    assert "query stopped after 0.5s" in said(capsys)


def test_a_terminal_table_holds_only_the_rows_it_shows(warehouse, capsys, monkeypatch):
    monkeypatch.setattr(query, "TABLE_ROWS", 50)
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["query", "SELECT i FROM range(20000) t(i)", "--limit", "0"]) == 0
    assert "20,000rows(first50shown)" in "".join(capsys.readouterr().out.split())


def _crowdout_files(settings) -> dict[str, Path]:
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    (settings.dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    profile = settings.data_dir / "dbt-profile" / "profiles.yml"
    profile.parent.mkdir(parents=True, exist_ok=True)
    profile.write_text("crowdout: {}\n")
    return {"dagster.yaml": settings.dagster_home / "dagster.yaml", "releases file": settings.releases_file,
            "dbt profile": profile, "dbt project profile": settings.releases_file.parents[1] / "x" / "..",
            "landing folder": settings.landing}


@pytest.mark.parametrize("which", ["dagster.yaml", "releases file", "dbt profile", "landing folder"])
def test_output_cannot_overwrite_the_files_crowdout_relies_on(warehouse, tmp_path, monkeypatch, capsys, which):
    from orchestration.config import load_settings

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster-home"))
    toml = tmp_path / "custom" / "releases.toml"
    toml.parent.mkdir()
    toml.write_text(RELEASES_TOML.read_text())
    monkeypatch.setenv("CROWDOUT_RELEASES_TOML", str(toml))
    target = _crowdout_files(load_settings())[which]
    before = target.read_bytes() if target.is_file() else None
    assert cli.main(["query", "SELECT 1 AS a", "--format", "csv", "--output", str(target)]) == 1
    assert "which crowdout owns" in said(capsys)
    assert (target.read_bytes() if target.is_file() else None) == before


def test_output_cannot_overwrite_the_dbt_projects_profile(warehouse, capsys):
    from orchestration.config import DBT_PROJECT_DIR

    target = DBT_PROJECT_DIR / "profiles.yml"
    before = target.read_bytes()
    assert cli.main(["query", "SELECT 1 AS a", "--format", "csv", "--output", str(target)]) == 1
    assert target.read_bytes() == before
