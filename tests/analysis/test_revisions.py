"""`crowdout revisions`: the figures a restated release changed, by family and from a date."""

from __future__ import annotations

import json
from datetime import date

from orchestration import cli
from tests.support import sample_warehouse

JUNE = date(2018, 6, 1)


def _restate(warehouse) -> None:
    sample_warehouse.new_edition(warehouse, "immigration/monthlyjun18/fil/", "2026-03-01 06:00:00+00",
                                 {("immigration", JUNE): -12, ("all", JUNE): 0})


def test_a_restated_page_shows_what_it_changed(warehouse, capsys):
    _restate(warehouse)
    assert cli.main(["revisions", "--family", "trac-bulletin", "--since", "2026-03"]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    # the figure's name may wrap within its cell at 80 columns
    assert "immigration prosecutions," in flat and "national" in flat and "2026-03-01" in flat and "2018-06" in flat
    assert "-12" in flat and "all prosecutions, national" not in flat  # restated with the same value
    assert "1 figures changed in 1 restating releases; 1 restated with the same value" in " ".join(out.split())


def test_since_and_family_filter(warehouse, capsys):
    _restate(warehouse)
    assert cli.main(["revisions", "--since", "2026-03-02"]) == 0
    assert "No figure changed" in capsys.readouterr().out
    assert cli.main(["revisions", "--family", "ohss-usbp"]) == 0
    assert "No figure changed" in capsys.readouterr().out
    assert cli.main(["revisions", "--since", "2026"]) == 1
    assert "not a date" in capsys.readouterr().err
    assert cli.main(["revisions", "--family", "trac"]) == 1
    assert "choose one of: ohss-usbp, trac-bulletin" in " ".join(capsys.readouterr().err.split())


def test_json_for_machines(warehouse, capsys):
    _restate(warehouse)
    assert cli.main(["revisions", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["month"], row["previous"] - row["current"], row["previous_release_id"]) == (
        "2018-06-01", 12, sample_warehouse.RELEASE)
