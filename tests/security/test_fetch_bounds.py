"""Every fetch is bounded in time and bytes, whichever path makes it: download, discovery page, NCD disk,
observation. The hostile inputs: a server that drips an endless body a byte at a time (no read ever times
out, so only a wall-clock deadline stops it) and one that sends more than the size limit to observation,
which hashed an unbounded body before."""

from __future__ import annotations

import dataclasses

import pytest

from orchestration.connectors import http
from orchestration.connectors.release import FetchError, ReleaseRef
from orchestration.warehouse import observe
from tests.support.publisher import drip, reply

HTTP_CFG = http.HttpConfig(timeout_seconds=2, retries=0, backoff_factor=0, max_bytes=10_000,
                           user_agent="crowdout-test/1.0", deadline_seconds=1)


def ref(url: str) -> ReleaseRef:
    return ReleaseRef("cbp-sbo", url, "x.csv")


def test_a_dripping_download_stops_at_the_deadline(server, tmp_path):
    server.routes["/x.csv"] = [drip()]
    with pytest.raises(FetchError, match=r"body not finished after \d+ bytes at the 1s deadline"):
        http.download(http.make_session(HTTP_CFG), ref(server.url + "/x.csv"), tmp_path / "dest")
    assert not list((tmp_path / "dest").glob(".download-*.part"))  # what came is kept in _incomplete/ only


@pytest.mark.parametrize("fetch", ["page", "resumable"])
def test_every_other_fetch_stops_at_the_deadline_too(server, tmp_path, fetch):
    server.routes["/x.csv"] = [drip()]
    session, url = http.make_session(HTTP_CFG), server.url + "/x.csv"
    with pytest.raises(FetchError, match="deadline"):
        if fetch == "page":
            http.get_page(session, url, "page")
        else:
            http.download_resumable(session, url, tmp_path / "disk.zip.part", "disk")


@pytest.fixture
def observing(settings, server, monkeypatch):
    """Observation of cbp-sbo, whose discovery is made to offer one file on the test server."""
    releases = settings.releases.model_copy(update={"http": HTTP_CFG})
    monkeypatch.setattr(observe.ingest, "discover", lambda s, session, name: [ref(server.url + "/x.csv")])
    return dataclasses.replace(settings, releases=releases)


def test_observation_stops_a_dripping_body_at_the_deadline(observing, server):
    server.routes["/x.csv"] = [drip()]
    found = observe.observe_family(observing, "cbp-sbo", None)
    assert found.is_new and "deadline" in found.errors[0]


def test_observation_reads_no_more_than_the_size_limit(observing, server):
    server.routes["/x.csv"] = [reply(200, b"x" * 50_000, {"Content-Length": None})]
    found = observe.observe_family(observing, "cbp-sbo", None)
    assert "over the limit of 10000 bytes" in found.errors[0]
