"""The download path against a real local HTTP server that misbehaves the way publishers do."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from orchestration.connectors import http
from orchestration.connectors.release import FetchError, NotPublished, PublisherUnreachable, ReleaseRef
from tests.support.publisher import CSV, closed_port, conditional, reply, reset, short_body, stall

HTTP_CFG = http.HttpConfig(
    timeout_seconds=0.5,
    retries=2,
    backoff_factor=0,
    max_bytes=10_000,
    user_agent="crowdout-test/1.0",
    deadline_seconds=60,
)


def ref(url: str) -> ReleaseRef:
    return ReleaseRef("cbp-nationwide-state", url, "test.csv")


@pytest.fixture
def session():
    return http.make_session(HTTP_CFG)


def fetch(session, url, dest, **kw):
    return http.download(session, ref(url), dest, http_cfg=HTTP_CFG, **kw)


def test_download_streams_to_a_temp_file_with_its_sha256(server, session, tmp_path):
    server.routes["/f.csv"] = [reply(200, CSV, {"ETag": '"abc"'})]
    dl = fetch(session, server.url + "/f.csv", tmp_path)
    assert dl.status == "downloaded" and dl.http_status == 200
    assert dl.path.parent == tmp_path and dl.path.read_bytes() == CSV
    assert dl.sha256 == hashlib.sha256(CSV).hexdigest() and dl.bytes == len(CSV)
    assert (dl.etag, dl.content_type) == ('"abc"', "text/csv")
    assert server.requests[0][1]["User-Agent"] == "crowdout-test/1.0"


def test_a_compressed_body_is_stored_decoded(server, session, tmp_path):
    server.routes["/f.csv"] = [reply(200, gzip.compress(CSV * 50), {"Content-Encoding": "gzip"})]
    dl = fetch(session, server.url + "/f.csv", tmp_path)
    assert dl.path.read_bytes() == CSV * 50
    assert dl.sha256 == hashlib.sha256(CSV * 50).hexdigest()


def test_a_500_then_200_is_retried_into_success(server, session, tmp_path):
    server.routes["/f.csv"] = [reply(500), reply(200, CSV)]
    dl = fetch(session, server.url + "/f.csv", tmp_path)
    assert dl.path.read_bytes() == CSV
    assert len(server.requests) == 2


def test_a_persistent_500_fails_naming_the_status_after_the_retries(server, session, tmp_path):
    server.routes["/f.csv"] = [reply(500)]
    with pytest.raises(FetchError) as err:
        fetch(session, server.url + "/f.csv", tmp_path)
    assert not isinstance(err.value, NotPublished)
    assert "HTTP 500 Internal Server Error after 2 retries" in str(err.value)
    assert "cbp-nationwide-state test.csv" in str(err.value)
    assert len(server.requests) == 3
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_missing_file_is_not_published(server, session, tmp_path, status):
    server.routes["/f.csv"] = [reply(status, b"gone", {"Content-Type": "text/html"})]
    with pytest.raises(NotPublished, match=f"HTTP {status}"):
        fetch(session, server.url + "/f.csv", tmp_path)
    assert len(server.requests) == 1


def test_a_stalled_server_times_out(server, tmp_path):
    cfg = HTTP_CFG.model_copy(update={"retries": 1})
    server.routes["/f.csv"] = [stall]
    with pytest.raises(FetchError, match=r"timed out after 0\.5s"):
        http.download(http.make_session(cfg), ref(server.url + "/f.csv"), tmp_path, http_cfg=cfg)
    assert len(server.requests) == 2


def test_a_reset_connection_is_retried_then_reported(server, session, tmp_path):
    server.routes["/once.csv"] = [reset, reply(200, CSV)]
    assert fetch(session, server.url + "/once.csv", tmp_path).path.read_bytes() == CSV
    server.routes["/always.csv"] = [reset]
    with pytest.raises(FetchError, match="connection failed: .*reset"):
        fetch(session, server.url + "/always.csv", tmp_path)


def test_a_truncated_body_fails_and_keeps_the_partial_file(server, session, tmp_path):
    server.routes["/sub/f.csv"] = [short_body]
    with pytest.raises(FetchError, match="cut off after 100 bytes") as err:
        fetch(session, server.url + "/sub/f.csv", tmp_path)
    kept = list((tmp_path / "_incomplete").iterdir())
    assert len(kept) == 1 and kept[0].name.endswith("-f.csv.part")
    assert kept[0].read_bytes() == b"x" * 100
    assert str(kept[0]) in str(err.value)
    assert [p.name for p in tmp_path.iterdir()] == ["_incomplete"]


def test_a_conditional_get_answers_not_modified(server, session, tmp_path):
    server.routes["/f.csv"] = [conditional]
    first = fetch(session, server.url + "/f.csv", tmp_path)
    second = fetch(session, server.url + "/f.csv", tmp_path, etag=first.etag, last_modified=first.last_modified)
    assert second.status == "not_modified" and second.http_status == 304
    assert second.path is None and second.sha256 is None
    assert second.etag == '"v1"'
    headers = server.requests[1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Mon, 06 Nov 2023 10:00:00 GMT"


def test_a_body_over_the_limit_is_refused(server, session, tmp_path):
    big = b"y" * 20_000
    server.routes["/declared.csv"] = [reply(200, big)]
    with pytest.raises(FetchError, match="20000 bytes is over the limit of 10000"):
        fetch(session, server.url + "/declared.csv", tmp_path)
    server.routes["/undeclared.csv"] = [reply(200, big, {"Content-Length": None})]
    with pytest.raises(FetchError, match="over the limit of 10000 bytes; stopped reading"):
        fetch(session, server.url + "/undeclared.csv", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_html_page_in_place_of_a_csv_is_refused(server, session, tmp_path):
    server.routes["/f.csv"] = [reply(200, b"<html>Access denied</html>", {"Content-Type": "text/html; charset=utf-8"})]
    with pytest.raises(FetchError, match="wrong content type text/html, expected application/csv, text/csv"):
        fetch(session, server.url + "/f.csv", tmp_path, expected_content_types=("text/csv", "application/csv"))
    server.routes["/ok.csv"] = [reply(200, CSV, {"Content-Type": "text/csv; charset=utf-8"})]
    assert fetch(session, server.url + "/ok.csv", tmp_path, expected_content_types=("text/csv",)).bytes == len(CSV)


def test_get_page_decodes_utf8_without_a_declared_charset(server, session):
    server.routes["/page"] = [reply(200, "<p>Año fiscal</p>".encode(), {"Content-Type": "text/html"})]
    assert http.get_page(session, server.url + "/page", "a page") == "<p>Año fiscal</p>"
    server.routes["/latin"] = [reply(200, "<p>Año</p>".encode("latin-1"), {"Content-Type": "text/html; charset=ISO-8859-1"})]
    assert http.get_page(session, server.url + "/latin", "a page", HTTP_CFG) == "<p>Año</p>"
    with pytest.raises(NotPublished, match="a page: HTTP 404"):
        http.get_page(session, server.url + "/nowhere", "a page")


def test_file_urls_serve_files_folder_index_and_missing_files(session, tmp_path):
    site = tmp_path / "site"
    (site / "dir").mkdir(parents=True)
    (site / "dir" / "index.html").write_text("<p>index</p>")
    (site / "a file.csv").write_bytes(CSV)
    dest = tmp_path / "dest"
    dl = fetch(session, (site / "a file.csv").as_uri(), dest)
    assert dl.path.read_bytes() == CSV and dl.content_type == "text/csv"
    assert http.get_page(session, (site / "dir").as_uri() + "/", "sample") == "<p>index</p>"
    with pytest.raises(NotPublished):
        fetch(session, (site / "missing.csv").as_uri(), dest)


def test_a_local_release_is_told_from_a_published_one_in_one_place(tmp_path):
    """Naming a path, the sample's site and a publisher's URL: only file:// URLs are local, whatever the case."""
    named = tmp_path / "a file.csv"
    assert http.local_path(named.as_uri()) == named  # percent-escapes decoded
    assert http.local_path("FILE:///srv/site/index.html") == Path("/srv/site/index.html")
    for url in ("https://www.cbp.gov/document/stats/x.csv", "http://localhost/a.csv", "/srv/a.csv", "ftp://h/a"):
        assert http.local_path(url) is None


def test_find_links_resolves_filters_and_flags_modelled_links():
    base = "file:///samples/www.cbp.gov"
    page = base + "/document/stats/nationwide-encounters"
    html = """<html><body>
      <a href="/files/a-aor.csv" data-basis="modelled">a</a>
      <a href="../files/b-aor.csv">b</a>
      <a href="/files/KHSM%20Encounters%20%28USBP%29.csv">c</a>
      <a href="https://other.example/c-aor.csv">d</a>
      <a href="/files/a-aor.csv">a again</a>
      <a href="/files/a-aor.pdf">not a csv</a>
      <a>no href</a>
    </body></html>"""
    links = http.find_links(html, page, base, r"(?i)(-aor| \(usbp\))\.csv$")
    assert links == [
        http.Link(base + "/files/a-aor.csv", True),
        http.Link(base + "/document/files/b-aor.csv", False),
        http.Link(base + "/files/KHSM%20Encounters%20%28USBP%29.csv", False),
        http.Link("https://other.example/c-aor.csv", False),
    ]
    assert http.find_links("", page, base, ".") == []


@pytest.fixture
def connect_attempts(monkeypatch):
    """Every TCP connection urllib3 opens (or tries to), by host."""
    import urllib3.connection

    attempts = []
    real = urllib3.connection.HTTPConnection._new_conn

    def counted(self):
        attempts.append(self.host)
        return real(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "_new_conn", counted)
    return attempts


def test_an_unknown_host_fails_at_once_naming_dns_and_the_host_is_not_asked_again(session, tmp_path, connect_attempts):
    with pytest.raises(PublisherUnreachable, match=r"DNS lookup failed for nonexistent\.invalid") as first:
        fetch(session, "http://nonexistent.invalid/a.csv", tmp_path)
    assert "timed out" not in str(first.value)
    assert connect_attempts == ["nonexistent.invalid"]  # retries = 2, yet tried once
    with pytest.raises(PublisherUnreachable, match="publisher nonexistent.invalid unreachable .DNS lookup failed"):
        fetch(session, "http://nonexistent.invalid/b.csv", tmp_path)
    assert connect_attempts == ["nonexistent.invalid"]


def test_a_refused_connection_fails_at_once_and_says_refused(session, tmp_path, connect_attempts):
    url = f"http://127.0.0.1:{closed_port()}/a.csv"
    with pytest.raises(PublisherUnreachable, match=r"connection refused by 127\.0\.0\.1:\d+\)"):
        fetch(session, url, tmp_path)
    assert connect_attempts == ["127.0.0.1"]
    with pytest.raises(PublisherUnreachable, match="connection refused"):
        fetch(session, url.replace("a.csv", "b.csv"), tmp_path)
    assert connect_attempts == ["127.0.0.1"]


def test_a_dead_proxy_fails_at_once_named_as_the_proxy_and_no_host_behind_it_is_tried(tmp_path, monkeypatch,
                                                                                      connect_attempts):
    """Issue 20, review finding 5: behind a proxy that refuses connections every request failed after its
    retries, one host after another, blamed on the publisher ("connection refused by www.cbp.gov")."""
    port = closed_port()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://someone:secret@127.0.0.1:{port}")
    session = http.make_session(HTTP_CFG.model_copy(update={"retries": 4, "backoff_factor": 1}))
    with pytest.raises(PublisherUnreachable, match=rf"proxy http://127\.0\.0\.1:{port} unreachable "
                       rf"\(connection refused by 127\.0\.0\.1:{port}\); no publisher was asked") as first:
        fetch(session, "http://www.cbp.gov/a.csv", tmp_path)
    assert "www.cbp.gov unreachable" not in str(first.value) and "secret" not in str(first.value)
    assert connect_attempts == ["127.0.0.1"]  # retries = 4 with backoff, yet tried once
    with pytest.raises(PublisherUnreachable, match=rf"proxy http://127\.0\.0\.1:{port} unreachable"):
        fetch(session, "http://tracreports.org/b.csv", tmp_path)  # another host behind the same proxy
    assert connect_attempts == ["127.0.0.1"]


def test_a_proxy_whose_name_does_not_resolve_fails_at_once_named_as_the_proxy(tmp_path, monkeypatch, connect_attempts):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    session = http.make_session(HTTP_CFG.model_copy(update={"retries": 4, "backoff_factor": 1}))
    with pytest.raises(PublisherUnreachable, match=r"proxy http://proxy\.invalid:3128 unreachable \(DNS lookup "
                       r"failed for proxy\.invalid:3128"):
        fetch(session, "https://www.cbp.gov/a.csv", tmp_path)
    assert connect_attempts == ["proxy.invalid"]  # tried once


def test_the_overall_deadline_stops_retries_and_later_requests(server, tmp_path):
    cfg = HTTP_CFG.model_copy(update={"retries": 20, "timeout_seconds": 0.5, "deadline_seconds": 1.2})
    server.routes["/f.csv"] = [stall]
    session = http.make_session(cfg)
    with pytest.raises(FetchError, match=r"timed out .*gave up at the 1\.2s deadline"):
        http.download(session, ref(server.url + "/f.csv"), tmp_path, http_cfg=cfg)
    assert len(server.requests) < 21  # the deadline, not the 20 retries, ended it
    asked = len(server.requests)
    server.routes["/g.csv"] = [reply(200, CSV)]
    with pytest.raises(FetchError, match=r"not tried: the 1\.2s deadline .*http\.deadline_seconds in releases\.toml"):
        http.download(session, ref(server.url + "/g.csv"), tmp_path, http_cfg=cfg)
    assert len(server.requests) == asked
