"""A publisher that misbehaves on the wire: each fault ends in a retry that loads, or in a failed result
that names the problem and leaves the warehouse as it was; once the publisher behaves, a re-run loads
the release and a second re-run changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.connectors.release import ReleaseRef
from tests.support.publisher import conditional_on, reply, reset, short_body, stall
from tests.support.warehouse import ingest_one, rows, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STATE_CSV = (FIXTURES / "cbp" / "state.csv").read_bytes()
# An earlier release of the same family, so "unchanged" means something: drop the last data line.
EARLIER_CSV = STATE_CSV[: STATE_CSV.rstrip(b"\n").rfind(b"\n") + 1]
HTML_ERROR_PAGE = b"<html><body>Service temporarily unavailable</body></html>"
FAMILY = "cbp-nationwide-state"


def _ref(server, path: str) -> ReleaseRef:
    return ReleaseRef(FAMILY, server.url + path, path.lstrip("/"))


@pytest.fixture
def loaded_earlier(settings, server):
    """A warehouse that already holds one release of the family, and its snapshot."""
    server.routes["/earlier.csv"] = [reply(200, EARLIER_CSV)]
    assert ingest_one(settings, _ref(server, "/earlier.csv")).status == "loaded"
    return snapshot(settings)


@pytest.mark.parametrize(
    "actions, requests",
    [
        pytest.param([reply(500, b"oops", {"Content-Type": "text/plain"}), reply(200, STATE_CSV)], 2,
                     id="500-then-success"),
        pytest.param([reply(503, b"", {"Retry-After": "0"}), reply(200, STATE_CSV)], 2,
                     id="503-retry-after-then-success"),
        pytest.param([reset, reply(200, STATE_CSV)], 2, id="reset-then-success"),
        pytest.param([stall, reply(200, STATE_CSV)], 2, id="timeout-then-success"),
    ],
)
def test_a_passing_fault_is_retried_and_the_release_loads_once(settings, server, loaded_earlier, actions, requests):
    server.routes["/state.csv"] = actions
    result = ingest_one(settings, _ref(server, "/state.csv"))
    assert (result.status, result.rows) == ("loaded", STATE_CSV.count(b"\n") - 1)
    assert [p for p, _ in server.requests].count("/state.csv") == requests
    assert Path(result.landing_path).read_bytes() == STATE_CSV
    after = snapshot(settings)
    assert ingest_one(settings, _ref(server, "/state.csv")).status == "unchanged"
    assert snapshot(settings) == after


@pytest.mark.parametrize(
    "fault, problem, keeps_partial",
    [
        pytest.param(reply(500, b"oops", {"Content-Type": "text/plain"}), "HTTP 500", False, id="500-every-time"),
        pytest.param(stall, "timed out after 1s", False, id="timeout"),
        pytest.param(reset, "connection failed: ConnectionResetError", False, id="connection-reset"),
        pytest.param(short_body, "body cut off after 100 bytes", True, id="truncated-body"),
        pytest.param(reply(200, HTML_ERROR_PAGE, {"Content-Type": "text/html"}), "wrong content type text/html",
                     False, id="wrong-content-type"),
    ],
)
def test_a_lasting_fault_fails_clearly_changes_nothing_and_a_rerun_loads(
    settings, server, loaded_earlier, fault, problem, keeps_partial
):
    server.routes["/state.csv"] = [fault]
    ref = _ref(server, "/state.csv")

    failed = ingest_one(settings, ref)
    assert failed.status == "failed"
    assert problem in failed.error and ref.url in failed.error
    assert snapshot(settings) == loaded_earlier
    assert rows(settings, "SELECT outcome, error LIKE '%' || ? || '%' FROM meta.fetch_attempts WHERE url = ?",
                [problem, ref.url]) == [("failed", True)]
    incomplete = list((settings.landing / FAMILY / "_incomplete").glob("*.part"))
    if keeps_partial:
        assert [p.read_bytes() for p in incomplete] == [b"x" * 100]
        assert str(incomplete[0]) in failed.error
    else:
        assert incomplete == []
    # Nothing half-downloaded is left where the landing step would adopt it.
    assert list((settings.landing / FAMILY).glob(".download-*")) == []

    server.routes["/state.csv"] = [reply(200, STATE_CSV)]
    assert ingest_one(settings, ref).status == "loaded"
    after = snapshot(settings)
    assert ingest_one(settings, ref).status == "unchanged"
    assert snapshot(settings) == after


def test_304_costs_one_conditional_request_and_changes_nothing(settings, server, loaded_earlier):
    server.routes["/state.csv"] = [conditional_on(STATE_CSV)]
    ref = _ref(server, "/state.csv")
    assert ingest_one(settings, ref).status == "loaded"
    after = snapshot(settings)

    again = ingest_one(settings, ref)
    assert again.status == "not_modified"
    assert server.requests[-1][1].get("If-None-Match") == '"v1"'
    assert server.requests[-1][1].get("If-Modified-Since") == "Mon, 06 Nov 2023 10:00:00 GMT"
    assert snapshot(settings) == after
    assert rows(settings, "SELECT outcome, http_status FROM meta.fetch_attempts WHERE url = ? ORDER BY attempted_at",
                [ref.url]) == [("downloaded", 200), ("not_modified", 304)]


def test_live_mode_without_a_network_fails_at_once_with_the_real_cause(settings, loaded_earlier):
    """Issue 11, case 4: no route to the publishers. Every family's host is unknown; each family fails
    on its first request, naming DNS, and the warehouse is as it was."""
    import dataclasses

    from orchestration.connectors.release import PublisherUnreachable
    from orchestration.warehouse import ingest

    releases = settings.releases.model_copy(update={"publishers": {
        name: pub.model_copy(update={"live": f"http://{name}.nonexistent.invalid"})
        for name, pub in settings.releases.publishers.items()
    }})
    offline = dataclasses.replace(settings, live=True, releases=releases)
    for family in ("cbp-nationwide-state", "ohss-usbp"):
        with pytest.raises(PublisherUnreachable, match=r"DNS lookup failed for \w+\.nonexistent\.invalid") as err:
            ingest.ingest_family(offline, family)
        assert "timed out" not in str(err.value)
    assert snapshot(settings) == loaded_earlier
