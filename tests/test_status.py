"""`crowdout status` tells an operator what failed, even when the failure kept it from being published."""

from __future__ import annotations

import pytest

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


def test_status_says_why_the_last_publish_was_refused_and_how_to_go_on(settings, capsys):
    """Issue 11, case 3: a build holding less than the published warehouse is refused; status says so."""
    from orchestration.warehouse.publish import PublishRefused, publish
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
