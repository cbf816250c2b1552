""""New this run" from the run's own events (issue 20, story 2): the releases it loaded, the figures they
restated, its failures, the withdrawals its publish carried out and a refused publish. Before, the section
read the warehouse by time and said "nothing failed or withdrawn" right after a withdrawal and right after
an offline `--live` run had failed."""

from __future__ import annotations

import shutil
from datetime import date

from orchestration import cli
from orchestration.cli import render
from orchestration.run_outcome import RunOutcome
from orchestration.runs import news
from tests.support import sample_warehouse


def _run(status: str = "SUCCESS", **fields) -> RunOutcome:
    return RunOutcome(run_id="r1", job="__ASSET_JOB", status=status, started_at="2026-02-01T05:59:00+00:00",
                      ended_at="2026-02-01T06:10:00+00:00", trigger="cli", **fields)


def test_the_new_edition_its_months_and_the_figures_it_changed(warehouse, capsys):
    """A run that loads a restated page for May 2018 says so: the file, its month, the two figures it
    moved and by how much; the figure it restated unchanged is counted, not listed."""
    may = date(2018, 5, 1)
    release_id = sample_warehouse.new_edition(warehouse, "immigration/monthlymay18/fil/", "2026-02-01 06:00:00+00",
                                              {("immigration", may): 25, ("all", may): -40, ("cbp_referred", may): 0})
    run = _run(releases=[{"family": "trac-bulletin", "file": "immigration/monthlymay18/fil/", "status": "loaded",
                          "release_id": release_id, "error": ""}], published=True)
    new = news.from_run(run, warehouse)
    assert [(r.family, r.file, r.first_month, r.rows) for r in new.releases] == [
        ("trac-bulletin", "immigration/monthlymay18/fil/", may, 3)]
    assert {(c["figure"], c["change"]) for c in new.changed} == {
        ("immigration prosecutions, national", 25), ("all prosecutions, national", -40)}
    assert new.unchanged == 1 and new.not_loaded == []

    render.print_new_this_run(new)
    out = capsys.readouterr().out
    assert "New this run" in out and "immigration/monthlymay18/fil/" in out
    immigration = next(line for line in out.splitlines() if "immigration prosecutions, national" in line)
    assert immigration.split()[:1] == ["2018-05"] and "+25 (+" in immigration
    assert "-40" in next(line for line in out.splitlines() if "all prosecutions, national" in line)
    assert "(1 restated unchanged)" in out and "nothing failed, withdrawn or refused" in out


def test_a_release_loaded_before_the_run_is_not_news_even_if_fetched_during_it(warehouse):
    """Only what the run's events name: an edition loaded by hand while the run went on is not its news."""
    sample_warehouse.new_edition(warehouse, "immigration/monthlymay18/fil/", "2026-02-01 06:00:00+00",
                                 {("immigration", date(2018, 5, 1)): 5})
    new = news.from_run(_run(), warehouse)
    assert new.releases == [] and new.changed == [] and new.unchanged == 0


def test_a_withdrawal_its_publish_carried_out_is_news(warehouse, capsys):
    run = _run(withdrawn=[{"release_id": "cbp-sbo:abc", "reason": "wrong file uploaded"}], published=True)
    render.print_new_this_run(news.from_run(run, warehouse))
    out = " ".join(capsys.readouterr().out.split())
    assert "withdrawn cbp-sbo cbp-sbo:abc: wrong file uploaded" in out and "nothing failed" not in out


def test_a_refused_publish_and_a_failed_release_are_news(warehouse, capsys):
    run = _run(status="FAILURE", errors=[
        "ingest_cbp_sbo: 1 cbp-sbo release(s) failed to load; landed files are kept, the other releases are loaded:\n"
        "- cbp-sbo sbo-encounters-fy20-fy24.csv (https://x/sbo.csv): changed CSV header",
        "published_warehouse: publish refused: the build would lose what analysts read now in w.duckdb:\n"
        "  - marts.fct_cbp_encounters: 2018-01\nThe published warehouse is unchanged. If the loss is intended "
        "(a withdrawn or corrected release), run `crowdout refresh --allow-shrink`."],
        releases=[{"family": "cbp-sbo", "file": "sbo-encounters-fy20-fy24.csv", "status": "failed",
                   "release_id": None, "error": "changed CSV header"}])
    new = news.from_run(run, warehouse)
    assert [r["status"] for r in new.not_loaded] == ["failed", "refused"]
    render.print_new_this_run(new)
    out = " ".join(capsys.readouterr().out.split())
    assert "failed cbp-sbo sbo-encounters-fy20-fy24.csv: changed CSV header" in out
    assert "refused published_warehouse: publish refused: the build would lose" in out
    assert "--allow-shrink" in out


def test_an_unreachable_publisher_is_one_failure_of_its_step(warehouse, capsys):
    run = _run(status="FAILURE", errors=["ingest_trac_bulletin: trac-bulletin: publisher unreachable"])
    new = news.from_run(run, warehouse)
    assert new.not_loaded == [{"family": "ingest_trac_bulletin", "file": "", "status": "failed",
                               "error": "trac-bulletin: publisher unreachable"}]


HAND_INGEST = """
import sys, time
from pathlib import Path
import duckdb
from orchestration.warehouse.lock import writer_lock
with writer_lock(Path(sys.argv[1]), timeout_s=5):
    con = duckdb.connect(sys.argv[1])  # writing, as `crowdout ingest` does: DuckDB locks the file too
    print("writing", flush=True)
    time.sleep(2)
    con.close()
"""


def test_a_failed_run_lists_what_it_loaded_after_a_hand_ingest_that_holds_the_build_file(warehouse, monkeypatch,
                                                                                          capsys):
    """Review finding 6: the run's news of a failed run reads the build file; a `crowdout ingest` started
    during the run got the writer lock when the run let go of it. The news waits for it (the writer lock),
    instead of failing on DuckDB's lock and advising a rebuild."""
    import subprocess
    import sys

    from orchestration.config import load_settings
    from orchestration.runs import refresh

    build = load_settings().build_warehouse
    shutil.copyfile(warehouse, build)
    release_id = sample_warehouse.new_edition(build, "immigration/monthlymay18/fil/", "2026-02-01 06:00:00+00",
                                              {("immigration", date(2018, 5, 1)): 25})
    run = _run(status="FAILURE", errors=["dbt_models: 1 of 247 tests failed"],
               releases=[{"family": "trac-bulletin", "file": "immigration/monthlymay18/fil/", "status": "loaded",
                          "release_id": release_id, "error": ""}])
    monkeypatch.setattr(refresh, "run_refresh", lambda settings, **_: refresh.RefreshOutcome(
        seconds=1.0, instance="test", new=["a test"], run=run))
    ingest = subprocess.Popen([sys.executable, "-c", HAND_INGEST, str(build)], stdout=subprocess.PIPE, text=True)
    try:
        assert ingest.stdout.readline().strip() == "writing"
        assert cli.main(["refresh"]) == 1
    finally:
        ingest.wait(timeout=30)
    out, err = capsys.readouterr()
    said = " ".join((out + err).split())
    assert "cannot be listed" not in said and "rebuild" not in said, said
    assert "Waiting for the writer lock" in said and "immigration/monthlymay18/fil/" in out
    assert "+25" in out


def test_a_restored_release_its_publish_brought_back_is_restored_not_new(warehouse, capsys):
    """Issue 20, review finding 8: after `crowdout release restore`, the run's publish brings back a release
    analysts had before (loaded ahead of the last publish); "Releases loaded: 1" called it new."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute("CREATE TABLE meta.publishes (published_at TIMESTAMPTZ, releases_loaded BIGINT, run_id VARCHAR)")
    con.execute("INSERT INTO meta.publishes VALUES ('2026-01-20 06:00:00+00', 2, 'r0')")  # without the release
    con.close()
    hand = sample_warehouse.new_edition(warehouse, "immigration/monthlymay18/fil/", "2026-01-25 06:00:00+00",
                                        {("immigration", date(2018, 5, 1)): 5})  # loaded by hand since
    run = _run(published=True, published_releases=[sample_warehouse.OHSS_RELEASE, hand])
    new = news.from_run(run, warehouse)
    assert [r.release_id for r in new.restored] == [sample_warehouse.OHSS_RELEASE]
    assert [r.release_id for r in new.releases] == [hand]
    render.print_new_this_run(new)
    out = capsys.readouterr().out
    assert "Releases loaded: 1" in out and "Releases restored: 1" in out
    assert "1 new releases, 1 restored" in news.counts(new)
