"""`crowdout status` tells an operator what failed, even when the failure kept it from being published."""

from __future__ import annotations

from orchestration import cli


def test_a_failed_release_shows_although_it_was_never_published(settings, tmp_path, capsys):
    bad = tmp_path / "nationwide-encounters-fy20-fy23-state.csv"
    bad.write_bytes(b"Fiscal Year,Encounters\r\n2020,5\r\n")
    assert cli.main(["ingest", "cbp-nationwide-state", str(bad)]) == 1
    capsys.readouterr()
    assert not settings.warehouse.exists()  # nothing published

    assert cli.main(["status"]) == 0
    out = capsys.readouterr().out
    assert "cbp-nationwide-state:" in out and "changed CSV header" in out


def test_a_trac_page_missing_past_its_publication_lag_is_listed(settings, server, capsys):
    from orchestration.sources.release import ReleaseRef
    from tests.support.publisher import reply
    from tests.support.warehouse import ingest_one

    server.routes["/tracreports/bulletins/overall/monthlyjun18/fil/"] = [reply(404, b"gone")]
    ref = ReleaseRef("trac-bulletin", server.url + "/tracreports/bulletins/overall/monthlyjun18/fil/",
                     "overall/2018-06", {"series": "overall", "month": "2018-06"})
    assert ingest_one(settings, ref).status == "failed"
    assert cli.main(["status"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "trac-bulletin overall/2018-06" in out and "past the publication lag: missing" in out
