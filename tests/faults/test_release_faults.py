"""Releases that arrive intact but are not what the last one was: a changed format fails as a whole and
keeps its file for a human, the same bytes twice load once, and a restated file is a new release.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from orchestration.config import SAMPLE_RELEASES_DIR
from orchestration.connectors.release import ReleaseRef
from orchestration.warehouse import ingest
from tests.support.publisher import reply
from tests.support.warehouse import ingest_one, rows, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AOR_CSV = (FIXTURES / "cbp" / "aor.csv").read_bytes()
SBO_CSV = (FIXTURES / "cbp" / "sbo.csv").read_bytes()
STATE_CSV = (FIXTURES / "cbp" / "state.csv").read_bytes()
TRAC_PATH = "/tracreports/bulletins/immigration/monthlyjun18/fil/"
TRAC_PAGE = (SAMPLE_RELEASES_DIR / "tracreports.org" / TRAC_PATH.strip("/") / "index.html").read_bytes()
HTML = {"Content-Type": "text/html; charset=utf-8"}
XLSX = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _workbook(sheet: str) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in (["Fiscal Year", "Month", "Sector", "Quantity"], [2018, "09 June", "Tucson, AZ", 1520]):
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# family, path, what the publisher changed, the good release, what the error must say
FORMAT_CHANGES = [
    pytest.param("cbp-nationwide-aor", "/aor.csv", AOR_CSV.replace(b"AOR (Abbv)", b"AOR Abbreviation"), AOR_CSV,
                 "missing 'AOR (Abbv)'; unexpected 'AOR Abbreviation'", {}, id="cbp-header-renamed"),
    pytest.param("cbp-sbo", "/sbo.csv", SBO_CSV.replace(b"Encounter Count", b"Encounter Count,Notes", 1), SBO_CSV,
                 "unexpected 'Notes'", {}, id="cbp-column-added"),
    pytest.param("trac-bulletin", TRAC_PATH, TRAC_PAGE.replace(b"Table 1. ", b"").replace(b"during June", b"in June"),
                 TRAC_PAGE, "no 'Table 1' caption", HTML, id="trac-table1-missing"),
    pytest.param("trac-bulletin", TRAC_PATH, TRAC_PAGE.replace(b"<th>Rank</th>", b""), TRAC_PAGE,
                 "has no 'rank' column", HTML, id="trac-ranked-table-lost-a-column"),
    pytest.param("ohss-usbp", "/usbp.xlsx", _workbook("Monthly Sectors"), _workbook("Monthly Sector"),
                 "no sheet 'Monthly Sector' in the workbook; sheets present: 'Monthly Sectors'", XLSX,
                 id="ohss-sheet-renamed"),
]


@pytest.mark.parametrize("family, path, broken, good, problem, headers", FORMAT_CHANGES)
def test_a_changed_format_fails_keeps_the_file_and_loads_once_fixed(
    settings, server, family, path, broken, good, problem, headers
):
    server.routes["/state.csv"] = [reply(200, STATE_CSV)]
    assert ingest_one(settings, ReleaseRef("cbp-nationwide-state", server.url + "/state.csv", "state.csv")).status == "loaded"
    before = snapshot(settings)
    ref = ingest.ref_for_location(settings, family, server.url + path)

    server.routes[path] = [reply(200, broken, headers)]
    failed = ingest_one(settings, ref)
    assert failed.status == "failed"
    assert "ParseError" not in failed.error and problem in failed.error and ref.url in failed.error
    assert Path(failed.landing_path).read_bytes() == broken
    after_failure = snapshot(settings)
    assert {k: v for k, v in after_failure.items() if k != "releases"} == {k: v for k, v in before.items() if k != "releases"}
    assert rows(settings, "SELECT status, error LIKE '%' || ? || '%' FROM meta.releases WHERE release_id = ?",
                [problem, failed.release_id]) == [("failed", True)]
    # Asking again for the same broken bytes fails the same way and registers nothing new.
    assert ingest_one(settings, ref).status == "failed"
    assert snapshot(settings) == after_failure

    server.routes[path] = [reply(200, good, headers)]
    fixed = ingest_one(settings, ref)
    assert fixed.status == "loaded" and fixed.rows > 0
    assert Path(failed.landing_path).read_bytes() == broken  # the evidence stays
    after_fix = snapshot(settings)
    assert ingest_one(settings, ref).status == "unchanged"
    assert snapshot(settings) == after_fix


def test_the_same_bytes_at_another_url_are_not_loaded_twice(settings, server):
    server.routes["/2023-Nov/state.csv"] = [reply(200, STATE_CSV)]
    server.routes["/2023-Dec/state.csv"] = [reply(200, STATE_CSV)]
    first = ingest_one(settings, ReleaseRef("cbp-nationwide-state", server.url + "/2023-Nov/state.csv", "state.csv"))
    loaded = snapshot(settings)

    second = ingest_one(settings, ReleaseRef("cbp-nationwide-state", server.url + "/2023-Dec/state.csv", "state.csv"))
    assert (first.status, second.status) == ("loaded", "unchanged")
    assert second.release_id == first.release_id and second.landing_path == first.landing_path
    assert snapshot(settings) == loaded
    assert rows(settings, "SELECT count(*), count(DISTINCT sha256) FROM meta.fetch_attempts WHERE outcome = 'downloaded'") == [(2, 1)]


def test_a_restated_file_at_the_same_url_is_a_second_release_and_both_are_kept(settings, server):
    ref = ReleaseRef("cbp-nationwide-state", server.url + "/state.csv", "state.csv")
    restated = STATE_CSV.replace(b"Title 8,2\r\n", b"Title 8,3\r\n", 1)
    assert restated != STATE_CSV
    server.routes["/state.csv"] = [reply(200, STATE_CSV)]
    original = ingest_one(settings, ref)
    server.routes["/state.csv"] = [reply(200, restated)]
    revised = ingest_one(settings, ref)

    assert (original.status, revised.status) == ("loaded", "loaded")
    assert revised.release_id != original.release_id
    assert Path(original.landing_path).read_bytes() == STATE_CSV
    assert Path(revised.landing_path).read_bytes() == restated
    n = STATE_CSV.count(b"\n") - 1
    assert rows(settings, "SELECT release_id, count(*) FROM raw.cbp_nationwide_state GROUP BY 1 ORDER BY 1") == sorted(
        [(original.release_id, n), (revised.release_id, n)]
    )
    # The newest fetch of the URL is the restated one: what a latest-wins model picks.
    assert rows(settings, """SELECT release_id FROM meta.releases WHERE url = ? AND status = 'loaded'
                             ORDER BY fetched_at DESC LIMIT 1""", [ref.url]) == [(revised.release_id,)]
    assert rows(settings, """SELECT r.release_id, s.encounter_count FROM raw.cbp_nationwide_state s
                             JOIN meta.releases r USING (release_id) WHERE s.source_row = 1 ORDER BY r.fetched_at""") == [
        (original.release_id, 2), (revised.release_id, 3)
    ]
    # Re-running the old URL now returns the restated bytes again: nothing changes.
    after = snapshot(settings)
    assert ingest_one(settings, ref).status == "unchanged"
    assert snapshot(settings) == after
