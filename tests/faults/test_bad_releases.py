"""A release that parses but is wrong (truncated, partial, under any name) blocks the publish until an
operator withdraws it; `crowdout status` says why and how (issue 11, cases 2, 8 and 9). Built on the real
CBP state file of the bundled sample (42,532 rows)."""

from __future__ import annotations

import re

import duckdb
import pytest

from orchestration import cli
from orchestration.config import SAMPLE_RELEASES_DIR
from orchestration.warehouse import quality
from orchestration.warehouse.publish import publish

FAMILY = "cbp-nationwide-state"
STATE = (SAMPLE_RELEASES_DIR / "www.cbp.gov/sites/default/files/assets/documents/2023-Nov"
         / "nationwide-encounters-fy20-fy23-state.csv")


@pytest.fixture
def published(settings, capsys):
    """The real state file loaded and published: what analysts read before the bad file arrives."""
    assert cli.main(["ingest", FAMILY, str(STATE)]) == 0
    publish(settings.build_warehouse, settings.warehouse)
    capsys.readouterr()
    return settings


def _first_rows(tmp_path, name: str, rows: int):
    lines = STATE.read_bytes().splitlines(keepends=True)
    path = tmp_path / "by-hand" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"".join(lines[: rows + 1]))
    return path


def _ingest(path, capsys) -> str:
    """Ingest by hand; the release id it reports."""
    assert cli.main(["ingest", FAMILY, str(path)]) == 0
    return re.search(r"release_id\s+(\S+)", capsys.readouterr().out).group(1)


def _blocking(settings) -> list[str]:
    con = duckdb.connect(str(settings.build_warehouse), read_only=True)
    try:
        return [o.description for o in quality.blocking_outcomes(con, settings.releases.checks)]
    finally:
        con.close()


def _status(capsys) -> str:
    assert cli.main(["status"]) == 0
    return " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("name, rows", [
    pytest.param(STATE.name, 1, id="case2-header-and-one-row-under-the-real-name"),
    pytest.param("short-state.csv", 20_000, id="case8-first-20000-rows-under-another-name"),
])
def test_a_truncated_release_loaded_by_hand_blocks_the_publish_and_status_says_how_out(
        published, tmp_path, capsys, name, rows):
    rid = _ingest(_first_rows(tmp_path, name, rows), capsys)
    blocking = _blocking(published)
    assert blocking and all(rid in b for b in blocking)
    assert any(f"has {rows:,} rows" in b and "of the 42,532 in" in b for b in blocking)
    status = _status(capsys)
    assert f"publish blocked raw.cbp_nationwide_state: release {rid}" in status
    assert f"crowdout release withdraw {rid} --reason TEXT" in status
    assert "lower checks.min_row_ratio in releases.toml" in status


def test_a_withdrawn_release_stops_blocking_stays_on_record_and_is_not_loaded_again(published, tmp_path, capsys):
    bad = _first_rows(tmp_path, STATE.name, 20_000)
    rid = _ingest(bad, capsys)
    assert _blocking(published)
    # Case 9 as reported: the good file again says `unchanged` and the bad one keeps blocking.
    assert cli.main(["ingest", FAMILY, str(STATE)]) == 0 and "unchanged" in capsys.readouterr().out
    assert _blocking(published)

    assert cli.main(["release", "withdraw", rid, "--reason", "partial download, 20,000 of 42,532 rows"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"{rid} withdrawn" in out and "landed file stays at" in out
    assert _blocking(published) == []
    status = _status(capsys)
    assert f"withdrawn release {rid}: partial download, 20,000 of 42,532 rows" in status
    assert "publish blocked" not in status

    con = duckdb.connect(str(published.build_warehouse), read_only=True)
    (landing_path, row_count), = con.execute(
        "SELECT landing_path, row_count FROM meta.releases WHERE release_id = ? AND status = 'withdrawn'", [rid]
    ).fetchall()
    con.close()
    assert row_count == 20_000 and open(landing_path, "rb").read() == bad.read_bytes()  # the evidence stays

    assert cli.main(["ingest", FAMILY, str(bad)]) == 0  # the same bytes again: still withdrawn
    assert "withdrawn" in capsys.readouterr().out and _blocking(published) == []

    assert cli.main(["release", "restore", rid]) == 0
    capsys.readouterr()
    assert _blocking(published)


def test_withdrawing_an_unknown_or_failed_release_says_what_exists(published, capsys):
    assert cli.main(["release", "withdraw", f"{FAMILY}:0000", "--reason", "typo"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"no release {FAMILY}:0000" in err and f"releases of that family: {FAMILY}:" in err


@pytest.mark.slow
def test_a_withdrawn_release_drops_out_of_every_mart_at_the_next_build(tmp_path):
    """dbt reads only loaded releases: after a withdrawal the release it restated is used again."""
    from orchestration.warehouse import registry
    from tests.dbt.test_dbt_project import query, raw_fixture
    from tests.support.dbt_inprocess import DATABASE, dbt

    db = raw_fixture.build(tmp_path / DATABASE)
    dbt(tmp_path, "build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")  # the marts
    us_june = ("SELECT prosecutions FROM marts.fct_prosecutions_district_month WHERE district_code = 'US' "
               "AND series = 'immigration' AND month = DATE '2018-06-01'")
    ((later_print,),) = query(db, us_june)
    assert later_print > 1
    ((latest,),) = query(db, """SELECT release_id FROM meta.releases WHERE release_key = 'immigration/Jun18'
                                ORDER BY published_at DESC LIMIT 1""")

    con = duckdb.connect(str(db))
    registry.withdraw(con, latest, "a test: the later print is wrong")
    con.close()
    dbt(tmp_path, "run")

    assert query(db, us_june) == [(1,)]  # the first print again
    columns = query(db, """SELECT table_name, column_name FROM information_schema.columns
                           WHERE table_schema = 'marts' AND column_name IN ('release_id', 'release_ids')""")
    assert columns
    for table, column in columns:
        test = "list_contains(release_ids, ?)" if column == "release_ids" else "release_id = ?"
        assert query(db, f"SELECT count(*) FROM marts.{table} WHERE {test}", [latest]) == [(0,)], table
    assert query(db, "SELECT status, error FROM meta.releases WHERE release_id = ?", [latest]) == [
        ("withdrawn", "a test: the later print is wrong")]
