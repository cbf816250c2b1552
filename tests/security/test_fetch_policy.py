"""A publisher's answer never leads crowdout to a local file: redirects and links stay on http(s).

The hostile input is the one reported: a server that answers `302 Location: file:///<secret>`. Each path
that fetches is tried: ingest by URL (the CLI), a download, a discovery page, observation, and the links a
page (CBP's, EOUSA's) offers.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration import cli
from orchestration.connectors import http
from orchestration.connectors.eousa.discover import anchors
from orchestration.connectors.release import FetchError, ReleaseRef
from orchestration.warehouse import observe
from tests.support.publisher import CSV, reply

SECRET = "root:*:19000:0:99999:7:::"
HTTP_CFG = http.HttpConfig(timeout_seconds=2, retries=1, backoff_factor=0, max_bytes=10_000,
                           user_agent="crowdout-test/1.0", deadline_seconds=30)


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "shadow"
    path.write_text(SECRET + "\n")
    path.chmod(0o600)
    return path


def redirect_to(location: str):
    return reply(302, b"", {"Location": location, "Content-Type": "text/html"})


def ref(url: str) -> ReleaseRef:
    return ReleaseRef("cbp-sbo", url, "x.csv")


def test_ingest_by_url_refuses_a_redirect_to_a_local_file(settings, server, secret, capsys):
    server.routes["/x.csv"] = [redirect_to(secret.as_uri())]
    assert cli.main(["ingest", "cbp-sbo", server.url + "/x.csv"]) == 1
    out = capsys.readouterr()
    assert "refused a redirect to a file: URL" in " ".join(out.err.split())
    assert SECRET not in out.err + out.out
    landed = [p for p in settings.landing.rglob("*") if p.is_file()]
    assert all(SECRET not in p.read_text(errors="replace") for p in landed)
    with duckdb.connect(str(settings.build_warehouse), read_only=True) as con:
        errors = [e for (e,) in con.execute("SELECT error FROM meta.releases").fetchall()]
        attempts = [e for (e,) in con.execute("SELECT error FROM meta.fetch_attempts").fetchall()]
    assert attempts and all(SECRET not in (e or "") for e in errors + attempts)


@pytest.mark.parametrize("location", ["file:///etc/passwd", "FILE:///etc/passwd", "ftp://127.0.0.1/x.csv",
                                      "data:text/csv,a%2Cb"])
def test_a_download_follows_no_redirect_off_the_web(server, tmp_path, location):
    server.routes["/x.csv"] = [redirect_to(location)]
    with pytest.raises(FetchError, match="refused a redirect"):
        http.download(http.make_session(HTTP_CFG), ref(server.url + "/x.csv"), tmp_path / "dest")
    assert not (tmp_path / "dest").exists() or not any((tmp_path / "dest").iterdir())


def test_a_redirect_on_the_web_is_still_followed(server, tmp_path):
    server.routes["/old.csv"] = [redirect_to("/new.csv")]
    server.routes["/new.csv"] = [reply(200, CSV)]
    download = http.download(http.make_session(HTTP_CFG), ref(server.url + "/old.csv"), tmp_path)
    assert download.path.read_bytes() == CSV


def test_a_discovery_page_is_not_read_through_a_redirect_to_a_file(server, secret):
    server.routes["/page"] = [redirect_to(secret.as_uri())]
    with pytest.raises(FetchError, match="refused a redirect") as caught:
        http.get_page(http.make_session(HTTP_CFG), server.url + "/page", "cbp-sbo page")
    assert SECRET not in str(caught.value)


def test_observation_does_not_hash_a_local_file_through_a_redirect(server, secret):
    server.answers_head = True
    server.routes["/x.csv"] = [redirect_to(secret.as_uri())]
    with pytest.raises(FetchError, match="refused a redirect"):
        observe._version(http.make_session(HTTP_CFG), ref(server.url + "/x.csv"), HTTP_CFG)


def test_links_on_a_web_page_to_local_files_are_dropped():
    page = ('<a href="file:///etc/shadow.csv">a</a><a href="/files/sbo.csv">b</a>'
            '<a href="ftp://host/c.csv">c</a>')
    links = http.find_links(page, "https://www.cbp.gov/stats", "https://www.cbp.gov", r"\.csv$")
    assert [link.url for link in links] == ["https://www.cbp.gov/files/sbo.csv"]


def test_links_on_the_operators_own_file_site_still_resolve(tmp_path):
    base = tmp_path.as_uri()
    links = http.find_links('<a href="/files/sbo.csv">b</a>', base + "/stats/", base, r"\.csv$")
    assert [link.url for link in links] == [base + "/files/sbo.csv"]


def test_ncd_disk_links_on_a_web_page_to_local_files_are_dropped():
    page = '<a href="file:///etc/shadow">Disk 1 (zip)</a><a href="/d/DISK02.ZIP">Disk 2 (zip)</a>'
    found = anchors(page, "https://www.justice.gov/usao/x", "https://www.justice.gov", r"Disk")
    assert [url for url, _, _ in found] == ["https://www.justice.gov/d/DISK02.ZIP"]
