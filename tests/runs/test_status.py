"""`crowdout status` tells the published file from the build file: what analysts read, what waits to be
published, and what failed since the last publish (older failures are not news)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration import cli
from orchestration.runs import status
from orchestration.warehouse.publish import publish

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cbp"


def _bad_state_file(tmp_path: Path) -> Path:
    bad = tmp_path / "nationwide-encounters-fy20-fy23-state.csv"
    bad.write_bytes(b"Fiscal Year,Encounters\r\n2020,5\r\n")
    return bad


def test_a_failed_release_shows_although_it_was_never_published(settings, tmp_path, capsys):
    assert cli.main(["ingest", "cbp-nationwide-state", str(_bad_state_file(tmp_path))]) == 1
    capsys.readouterr()
    assert not settings.warehouse.exists()  # nothing published

    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "cbp-nationwide-state:" in out and "changed CSV header" in out
    assert "1 failed releases (nothing published yet)" in out


def test_pending_until_published_and_failures_only_since_the_last_publish(settings, tmp_path, capsys):
    good = tmp_path / "nationwide-encounters-fy20-fy23-state.csv"
    shutil.copyfile(FIXTURES / "state.csv", good)
    assert cli.main(["ingest", "cbp-nationwide-state", str(good)]) == 0
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    assert cli.main(["ingest", "cbp-nationwide-state", str(_bad_state_file(bad_dir))]) == 1

    st = status.gather(settings)
    (pending,) = st.pending
    data_rows = len((FIXTURES / "state.csv").read_text().splitlines()) - 1
    assert pending.family == "cbp-nationwide-state" and pending.rows == data_rows
    assert pending.first_month is not None
    assert len(st.failed_since_publish) == 1 and st.families == []

    publish(settings.build_warehouse, settings.warehouse)
    st = status.gather(settings)
    assert st.pending == [] and st.failed_since_publish == []
    (family,) = st.families
    assert family.family == "cbp-nationwide-state" and family.last_month == st.families[0].recency.latest
    capsys.readouterr()
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "no releases waiting to be published" in out and "0 failed releases since the last publish" in out
    assert "cbp-nationwide-state" in out and "FAIL" in out  # the fixture's data ends years before today


def test_status_repeats_what_the_last_run_brought_from_its_events(settings, tmp_path, monkeypatch, capsys):
    """The refresh's "new this run" counts stay visible in `crowdout status`, read from the newest run in
    the Dagster instance (whoever started it), not from a record the CLI keeps."""
    from datetime import date

    import dagster as dg

    from orchestration.run_outcome import PUBLISHED, WITHDRAWN
    from tests.support import sample_warehouse

    sample_warehouse.build(settings.warehouse)
    release_id = sample_warehouse.new_edition(settings.warehouse, "immigration/monthlymay18/fil/",
                                              "2026-02-01 06:00:00+00", {("immigration", date(2018, 5, 1)): 7})

    @dg.asset
    def published_warehouse():
        return dg.MaterializeResult(metadata={
            PUBLISHED: dg.MetadataValue.json([release_id]),
            WITHDRAWN: dg.MetadataValue.json([{"release_id": "cbp-sbo:abc", "reason": "wrong file"}])})

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    from orchestration.config import load_settings
    from orchestration.runs.instance import open_instance

    with open_instance(load_settings()) as instance:
        run_id = dg.materialize([published_warehouse], instance=instance).run_id
    st = status.gather(load_settings())
    assert st.last_run.run_id == run_id and st.last_run.published
    assert [r.file for r in st.last_run_news.releases] == ["immigration/monthlymay18/fil/"]
    assert cli.main(["status"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"Last run: {run_id} SUCCESS" in out
    assert ("it brought 1 new release, changed 1 published figures; 0 failed releases, 0 failed steps, "
            "1 withdrawn, 0 refused") in out


def test_status_counts_a_failed_step_as_a_step_not_as_a_release(settings, tmp_path, monkeypatch, capsys):
    """Issue 20, review finding 8: "1 failed" counted a failed step while the build section above said
    "0 failed releases"."""
    import dagster as dg

    @dg.asset
    def dbt_models():
        raise RuntimeError("dbt build failed")

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    from orchestration.config import load_settings
    from orchestration.runs.instance import open_instance

    with open_instance(load_settings()) as instance:
        dg.materialize([dbt_models], instance=instance, raise_on_error=False)
    assert cli.main(["status"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "0 failed releases, 1 failed step, 0 withdrawn, 0 refused" in out


def test_status_says_why_the_last_publish_was_refused_and_how_to_go_on(settings, capsys):
    """Issue 11, case 3: a build holding less than the published warehouse is refused; status says so."""
    from orchestration.warehouse.publish import PublishRefused
    from tests.warehouse.test_publish import MONTHS_2018_2019, _warehouse

    _warehouse(settings.build_warehouse, MONTHS_2018_2019, {"trac-bulletin": 2})
    publish(settings.build_warehouse, settings.warehouse)
    assert cli.main(["status"]) == 0
    assert "publish blocked" not in capsys.readouterr().out

    _warehouse(settings.build_warehouse, MONTHS_2018_2019[12:21], {"trac-bulletin": 2})
    with pytest.raises(PublishRefused):
        publish(settings.build_warehouse, settings.warehouse)
    assert cli.main(["status"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert ("publish blocked the build would lose what analysts read now: "
            "marts.fct_displacement_district_month: 15 months, 2018-01 .. 2019-12") in out
    assert "crowdout refresh --allow-shrink" in out


def test_a_trac_page_missing_past_its_publication_lag_is_listed(settings, server, capsys):
    from orchestration.connectors.release import ReleaseRef
    from tests.support.publisher import reply
    from tests.support.warehouse import ingest_one

    server.routes["/tracreports/bulletins/overall/monthlyjun18/fil/"] = [reply(404, b"gone")]
    ref = ReleaseRef("trac-bulletin", server.url + "/tracreports/bulletins/overall/monthlyjun18/fil/",
                     "overall/2018-06", {"series": "overall", "month": "2018-06"})
    assert ingest_one(settings, ref).status == "failed"
    assert cli.main(["status"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "trac-bulletin overall/2018-06" in out and "past the publication lag: missing" in out


def test_an_unreachable_publisher_is_listed_until_an_observation_reaches_it_again(settings, tmp_path, monkeypatch,
                                                                                  capsys):
    """Issue 20, story 3: one line per publisher (not hundreds of failed releases), cleared by the next
    observation that gets through, whether the CLI or the daemon made it."""
    from orchestration.runs import refresh
    from orchestration.warehouse.observe import Observation

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    from orchestration.config import load_settings

    settings = load_settings()
    down = Observation("trac-bulletin", {}, errors=("trac-bulletin: publisher tracreports.org unreachable (DNS "
                                                    "lookup failed for tracreports.org); no release was tried",))
    refresh.record_observations(settings, [down])
    assert cli.main(["status"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "could not look trac-bulletin: publisher tracreports.org unreachable" in out
    assert "failed releases" not in out or "0 failed releases" in out

    refresh.record_observations(settings, [Observation("trac-bulletin", {"https://x": "sha256:1"})])
    assert cli.main(["status"]) == 0
    assert "could not look" not in capsys.readouterr().out


def test_a_publisher_of_several_families_that_could_not_be_looked_at_is_one_line(settings, tmp_path, monkeypatch,
                                                                                 capsys):
    """Issue 20, review finding 5: www.cbp.gov was listed three times, once per CBP family."""
    from orchestration.runs import refresh
    from orchestration.warehouse.observe import Observation

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    from orchestration.config import load_settings

    settings = load_settings()
    down = "publisher www.cbp.gov unreachable (DNS lookup failed for www.cbp.gov); no release was tried after it."
    refresh.record_observations(settings, [
        Observation(family, {}, errors=(f"{family} page https://www.cbp.gov/document/stats/x: {down}",))
        for family in ("cbp-nationwide-aor", "cbp-nationwide-state", "cbp-sbo")])
    assert cli.main(["status"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.count("www.cbp.gov unreachable") == 1
    assert f"could not look cbp-nationwide-aor, cbp-nationwide-state, cbp-sbo: {down}" in out


def test_failing_checks_are_each_checks_latest_evaluation_as_the_ui_badges_count(settings, tmp_path, monkeypatch,
                                                                                 capsys):
    """Issue 20, story 4: a check that failed in a daemon's run stays failing in `crowdout status` after a
    later run that did not evaluate it, as the UI's badge shows it (before: "no failing checks")."""
    import dagster as dg

    from orchestration.config import load_settings
    from orchestration.runs.instance import open_instance

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    settings = load_settings()
    with open_instance(settings) as instance:
        instance.report_runless_asset_event(dg.AssetCheckEvaluation(
            asset_key=dg.AssetKey(["raw", "cbp_sbo"]), check_name="row_count_vs_previous_release", passed=False,
            severity=dg.AssetCheckSeverity.ERROR, description="newest release keeps 10% of the previous release's rows"))
        dg.GraphDefinition("later_run").to_job().execute_in_process(instance=instance)
    assert cli.main(["status"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Failing checks: 1" in out
    assert ("raw/cbp_sbo row_count_vs_previous_release: newest release keeps 10% of the previous release's rows; "
            "the newest release of that family broke it") in out


def test_the_published_figures_are_said_as_periods_not_as_missing_months(settings, capsys):
    """Issue 20, review finding 9: the curated figures (periods such as 2018-03, FY2017, 2017-01..2017-04, not a
    monthly series, so their release covers no months) showed months `–`, status `–..– UNKNOWN`, and their
    months_covered check said "no months loaded yet" with 53 rows loaded."""
    import duckdb

    from orchestration.config import PACKAGE_DIR
    from orchestration.runs import news
    from orchestration.warehouse import quality

    figures = PACKAGE_DIR / "published" / "trac_published_figures.csv"
    assert cli.main(["ingest", "trac-published-figures", str(figures)]) == 0
    capsys.readouterr()
    con = duckdb.connect(str(settings.build_warehouse), read_only=True)
    try:
        rows, first, last = con.execute("SELECT count(*), min(period_start), max(period_end) "
                                        "FROM raw.trac_published_figures").fetchone()
        (release_id,) = con.execute("SELECT release_id FROM meta.releases").fetchone()
        check = quality.months_covered(con, "trac-published-figures", settings.releases.checks)
    finally:
        con.close()
    assert rows == len(figures.read_text().splitlines()) - 1
    assert check.passed and check.description == (
        f"trac-published-figures: {rows:,} figures for periods from {first:%Y-%m} to {last:%Y-%m}; not a monthly "
        "series, so no months to check for gaps")
    (new,) = news.releases(settings.build_warehouse, [release_id])
    assert (new.first_month, new.last_month) == (first, last)
    (pending,) = status.gather(settings).pending
    assert (pending.first_month, pending.last_month) == (first, last)

    publish(settings.build_warehouse, settings.warehouse)
    (family,) = status.gather(settings).families
    assert (family.first_month, family.last_month, family.recency.state) == (first, last, "n/a")
    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"{first:%Y-%m}..{last:%Y-%m}" in out and "UNKNOWN" not in out
