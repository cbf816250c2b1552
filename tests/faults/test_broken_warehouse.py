"""The pipeline recovers its own state, and a broken published file is reported as such, with the way out.

Faults: an empty build file (every refresh failed with `The file ... exists, but it ...`), a build file
deleted mid-run and created again without the registry (every refresh then failed with `Table with name
"meta.releases" does not exist`), a build file of garbage, and a published warehouse of garbage or cut in
half (`crowdout status` crashed; the refresh failed with the cause omitted).
"""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from orchestration import cli
from orchestration.config import load_settings
from orchestration.runs import refresh
from orchestration.warehouse import ingest, publish


def loaded(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM meta.releases WHERE status = 'loaded'").fetchall()[0][0]


def no_registry(path):
    duckdb.connect(str(path)).close()


BROKEN_BUILDS = {"empty": lambda p: p.write_bytes(b""), "garbage": lambda p: p.write_bytes(os.urandom(50_000)),
                 "no registry": no_registry}


@pytest.mark.parametrize("fault", list(BROKEN_BUILDS))
def test_a_broken_build_file_is_rebuilt_from_the_published_warehouse(warehouse, fault):
    settings = load_settings()
    BROKEN_BUILDS[fault](settings.build_warehouse)
    ingest.connect_build(settings).close()  # what ingest and every refresh step open
    assert loaded(settings.build_warehouse) == loaded(warehouse) > 0  # everything published is there again
    [aside] = warehouse.parent.glob(f"{settings.build_warehouse.name}.broken-*")  # kept for inspection


@pytest.mark.parametrize("fault", list(BROKEN_BUILDS))
def test_a_refresh_says_why_it_rebuilt_the_build_file(warehouse, fault, monkeypatch):
    settings = load_settings()
    BROKEN_BUILDS[fault](settings.build_warehouse)
    # the publishers have nothing new (the analysts' sample warehouse holds no release registry to observe)
    monkeypatch.setattr(refresh, "observe_all", lambda settings: ([], set()))
    [reason], could_not_look = refresh.whats_new(settings)
    assert could_not_look == []
    assert "was unusable" in reason and "started again from the published warehouse" in reason
    assert loaded(settings.build_warehouse) == loaded(warehouse)


def cut_in_half(path):
    os.truncate(path, path.stat().st_size // 2)


BROKEN_PUBLISHED = {"garbage": lambda p: p.write_bytes(os.urandom(50_000)), "cut in half": cut_in_half,
                    "empty": lambda p: p.write_bytes(b"")}


@pytest.mark.parametrize("fault", list(BROKEN_PUBLISHED))
def test_status_reports_a_broken_published_warehouse_with_the_way_out(warehouse, capsys, fault):
    BROKEN_PUBLISHED[fault](warehouse)
    assert cli.main(["status"]) == 1
    out = capsys.readouterr()
    text = " ".join((out.out + out.err).split())
    assert f"the published warehouse {warehouse} is unusable" in text
    assert "crowdout refresh --force --allow-shrink" in text and "Traceback" not in text


@pytest.mark.parametrize("fault", list(BROKEN_PUBLISHED))
def test_a_publish_over_a_broken_warehouse_names_the_cause_and_the_way_out(warehouse, fault):
    settings = load_settings()
    shutil.copyfile(warehouse, settings.build_warehouse)
    BROKEN_PUBLISHED[fault](warehouse)
    with pytest.raises(publish.PublishRefused, match=r"unusable: it (is|cannot).*--allow-shrink"):
        publish.publish(settings.build_warehouse, warehouse)
    publish.publish(settings.build_warehouse, warehouse, allow_shrink=True)  # the way out works
    assert publish.file_problem(warehouse) is None


def test_a_missing_build_is_not_seeded_from_a_broken_published_warehouse(warehouse):
    settings = load_settings()
    cut_in_half(warehouse)
    reason = publish.seed_build(settings.build_warehouse, warehouse)
    assert "unusable too" in reason and not settings.build_warehouse.exists()


def free_blocks_cut_off_the_end(path) -> None:
    """What ordinary writes leave: a table that filled many blocks is dropped and DuckDB, checkpointing,
    cuts the free blocks off the end of the file while its header still counts them (found by the
    review's run of withdraw, refresh and ingest; this sequence is the smallest that does it)."""
    with duckdb.connect(str(path)) as con:
        for sql in ("CREATE TABLE main.scratch AS SELECT range i, range::VARCHAR s FROM range(1000000)",
                    "CHECKPOINT", "DROP TABLE main.scratch",
                    "CREATE TABLE main.scratch AS SELECT range i, range::VARCHAR s FROM range(1000)",
                    "DELETE FROM main.scratch WHERE i % 2 = 0", "CHECKPOINT", "DROP TABLE main.scratch",
                    "CREATE TABLE main.scratch AS SELECT 1 x", "CHECKPOINT"):
            con.execute(sql)


def test_a_sound_file_shorter_than_its_headers_block_count_is_usable(warehouse):
    """The build file was set aside (and a withdrawal with it) and the published one called cut short, when
    DuckDB had only cut free blocks off the end: every table still read in full."""
    free_blocks_cut_off_the_end(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        total, size = con.execute("SELECT total_blocks, block_size FROM pragma_database_size()").fetchone()
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        for schema, table in tables:  # every block of every table is there
            con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()
    assert warehouse.stat().st_size < total * size  # the state the old check misread
    assert publish.file_problem(warehouse) is None
    settings = load_settings()
    shutil.copyfile(warehouse, settings.build_warehouse)
    assert publish.seed_build(settings.build_warehouse, warehouse) is None  # not set aside
    assert not list(settings.build_warehouse.parent.glob("*.broken-*"))


def test_a_file_cut_by_one_block_is_still_found(warehouse):
    free_blocks_cut_off_the_end(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE main.last AS SELECT range i FROM range(100000)")  # data in the last block
        con.execute("CHECKPOINT")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (block_size,) = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()
    os.truncate(warehouse, warehouse.stat().st_size - block_size)
    assert "it is cut short" in publish.file_problem(warehouse)


def test_a_forced_refresh_says_it_set_the_build_file_aside(warehouse):
    """--force skips the look for news, not the repair's report: a build file set aside loses what only it
    held (the review lost a withdrawal this way, unreported)."""
    settings = load_settings()
    BROKEN_BUILDS["garbage"](settings.build_warehouse)
    (flag, reason), could_not_look = refresh.reasons_to_run(settings, force=True)
    assert flag == "--force" and could_not_look == []
    assert "was unusable" in reason and "started again from the published warehouse" in reason
    [aside] = warehouse.parent.glob(f"{settings.build_warehouse.name}.broken-*")
    assert refresh.reasons_to_run(settings, force=True) == (["--force"], [])  # sound now: nothing to say


@pytest.mark.parametrize("action", [["release", "withdraw", "no-such-release", "--reason", "x"],
                                    ["release", "restore", "no-such-release"]])
def test_a_hand_command_says_it_set_the_build_file_aside(warehouse, capsys, action):
    settings = load_settings()
    BROKEN_BUILDS["garbage"](settings.build_warehouse)
    cli.main(action)
    err = " ".join(capsys.readouterr().err.split())
    assert "warning:" in err and "was unusable" in err and "started again from the published warehouse" in err
