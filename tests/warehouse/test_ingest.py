"""The ingest pipeline end to end: sample releases over file://, a misbehaving publisher over HTTP."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from orchestration import cli, samples
from orchestration.connectors.release import ReleaseRef
from orchestration.samples.build_cbp_samples import AOR_CSV, SBO_CSV
from orchestration.samples.build_cbp_samples import STATE_CSV as SAMPLE_STATE_CSV
from orchestration.warehouse import ingest
from tests.support.publisher import reply
from tests.support.warehouse import ingest_one as _ingest_one
from tests.support.warehouse import rows as _rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STATE_CSV = (FIXTURES / "cbp" / "state.csv").read_bytes()


def test_the_sample_state_release_loads_once(settings):
    first = ingest.ingest_family(settings, "cbp-nationwide-state")
    assert [(r.status, r.rows) for r in first] == [("loaded", 42_532)]
    again = ingest.ingest_family(settings, "cbp-nationwide-state")
    assert [r.status for r in again] == ["unchanged"]
    assert _rows(settings, "SELECT count(*), count(DISTINCT release_id) FROM raw.cbp_nationwide_state") == [(42_532, 1)]
    (url, path, status, modelled) = _rows(
        settings, "SELECT url, landing_path, status, is_modelled FROM meta.releases")[0]
    assert url.startswith("file://") and url.endswith("nationwide-encounters-fy20-fy23-state.csv")
    assert Path(path).read_bytes() == Path(url.removeprefix("file://")).read_bytes()
    assert (status, modelled) == ("loaded", False)


def test_trac_pages_of_a_month_load_and_are_not_fetched_again(settings):
    results = ingest.ingest_family(settings, "trac-bulletin", months=[date(2018, 6, 1)])
    pages = len(settings.family("trac-bulletin").sample_series)  # one national page per sample series
    assert pages == 10 and len(results) == pages and {r.status for r in results} == {"loaded"}
    assert ingest.ingest_family(settings, "trac-bulletin", months=[date(2018, 6, 1)]) == []
    # TRAC's June 2018 immigration figure, printed as published on the sample page
    assert _rows(settings, "SELECT number_latest_month, modelled_figures FROM raw.trac_table1 "
                           "WHERE series = 'immigration'") == [(12348, "")]
    # districts come from the ranked districts tables, every one of them marked modelled
    assert _rows(settings, "SELECT count(DISTINCT series), bool_and(modelled_figures LIKE '%prosecutions%') "
                           "FROM raw.trac_district_rankings") == [(4, True)]


def test_a_real_layout_page_saved_under_any_name_loads_from_its_content(settings, tmp_path):
    saved = tmp_path / "june bulletin (1).html"
    saved.write_bytes((FIXTURES / "trac" / "immigration_jun18_caption_last_row.html").read_bytes())
    ref = ingest.ref_for_location(settings, "trac-bulletin", str(saved))
    assert ref.params == {}  # nothing in the name: the page says what it is
    result = _ingest_one(settings, ref)
    assert result.status == "loaded", result.error
    assert _rows(settings, "SELECT series, month, number_latest_month, modelled_figures FROM raw.trac_table1") == [
        ("immigration", date(2018, 6, 1), 12348, "")]


def test_a_trac_page_missing_past_the_publication_lag_is_a_failure(settings, server):
    server.routes["/tracreports/bulletins/overall/monthlyjun18/fil/"] = [reply(404, b"gone")]
    ref = ReleaseRef("trac-bulletin", server.url + "/tracreports/bulletins/overall/monthlyjun18/fil/",
                     "overall/2018-06", {"series": "overall", "month": "2018-06"})
    result = _ingest_one(settings, ref)
    assert result.status == "failed" and "past the publication lag" in result.error
    assert _rows(settings, "SELECT outcome FROM meta.fetch_attempts") == [("failed",)]


def test_a_changed_header_fails_keeps_the_file_and_loads_after_the_fix(settings, server):
    broken = STATE_CSV.replace(b"Encounter Count", b"Encounters")
    server.routes["/state.csv"] = [reply(200, broken)]
    ref = ReleaseRef("cbp-nationwide-state", server.url + "/state.csv", "state.csv")

    failed = _ingest_one(settings, ref)
    assert failed.status == "failed"
    assert "state.csv" in failed.error and "Encounter Count" in failed.error
    assert Path(failed.landing_path).read_bytes() == broken
    assert _rows(settings, "SELECT count(*) FROM raw.cbp_nationwide_state") == [(0,)]
    assert _rows(settings, "SELECT status FROM meta.releases") == [("failed",)]

    server.routes["/state.csv"] = [reply(200, STATE_CSV)]
    fixed = _ingest_one(settings, ref)
    assert fixed.status == "loaded" and fixed.rows == STATE_CSV.count(b"\n") - 1
    assert _rows(settings, "SELECT status FROM meta.releases ORDER BY status") == [("failed",), ("loaded",)]


def test_a_publisher_error_is_a_failed_result_and_loads_nothing(settings, server):
    server.routes["/state.csv"] = [reply(500, b"oops", {"Content-Type": "text/plain"})]
    result = _ingest_one(settings, ReleaseRef("cbp-nationwide-state", server.url + "/state.csv", "state.csv"))
    assert result.status == "failed" and "500" in result.error
    assert _rows(settings, "SELECT outcome FROM meta.fetch_attempts") == [("failed",)]
    assert _rows(settings, "SELECT count(*) FROM meta.releases") == [(0,)]


def test_the_ingest_command_reports_the_real_state_file(settings, capsys):
    assert cli.main(["ingest", "cbp-nationwide-state", str(SAMPLE_STATE_CSV)]) == 0  # the real CBP file
    out = capsys.readouterr().out
    assert "42,532 rows" in out and "loaded" in out


def test_the_ingest_command_exits_non_zero_naming_the_release(settings, tmp_path, capsys):
    bad = tmp_path / "nationwide-encounters-fy20-fy23-state.csv"
    bad.write_bytes(b"")
    assert cli.main(["ingest", "cbp-nationwide-state", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "nationwide-encounters-fy20-fy23-state.csv" in captured.err + captured.out
    assert "failed" in captured.out


def test_a_modelled_sample_file_ingested_by_path_is_registered_as_modelled(settings):
    result = _ingest_one(settings, ingest.ref_for_location(settings, "cbp-nationwide-aor", str(AOR_CSV)))
    assert result.status == "loaded" and result.ref.is_modelled
    assert _rows(settings, "SELECT is_modelled FROM meta.releases") == [(True,)]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_modelled_manifest_lists_exactly_the_modelled_sample_files():
    assert samples.modelled_sha256s() == {_digest(AOR_CSV), _digest(SBO_CSV)}
    assert _digest(SAMPLE_STATE_CSV) not in samples.modelled_sha256s()  # the real file stays real


def test_the_ingest_command_fails_on_a_path_that_does_not_exist(settings, tmp_path, capsys):
    assert cli.main(["ingest", "cbp-nationwide-state", str(tmp_path / "no-such-file.csv")]) == 1
    assert "no-such-file.csv" in capsys.readouterr().err
