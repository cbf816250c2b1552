"""Observing release families: a release's version is its sha256 (or the publisher's ETag/Last-Modified),
and a family is new exactly when the warehouse does not hold one of its releases."""

from datetime import date

import duckdb
import pytest

from orchestration.config import RELEASES_TOML, SAMPLE_RELEASES_DIR, load_settings
from orchestration.warehouse import ingest, observe, registry
from tests.support.publisher import reply

FILES = "/sites/default/files/"
SBO = "sbo-encounters-fy23-fy26.csv"
# The first three lines of the sample's SBO file, in CBP's format
SBO_V1 = b"".join((SAMPLE_RELEASES_DIR / "www.cbp.gov/sites/default/files/assets/documents/2023-Nov"
                   / "sbo-encounters-fy20-fy23.csv").read_bytes().splitlines(keepends=True)[:3])


def _page(*names: str) -> bytes:
    links = "".join(f'<a href="{FILES}{n}">{n}</a>' for n in names)
    return f"<html><body>{links}</body></html>".encode()


def _observe(settings, family):
    con = duckdb.connect(str(settings.build_warehouse), read_only=True) if settings.build_warehouse.exists() else None
    try:
        return observe.observe_family(settings, family, con)
    finally:
        if con is not None:
            con.close()


@pytest.fixture
def cbp_site(server, tmp_path, monkeypatch):
    """CBP's SBO page and file on a local server, which crowdout reads as the live site."""
    toml = tmp_path / "releases.toml"
    toml.write_text(RELEASES_TOML.read_text().replace('"https://www.cbp.gov"', f'"{server.url}"'))
    monkeypatch.setenv("CROWDOUT_RELEASES_TOML", str(toml))
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    monkeypatch.setenv("CROWDOUT_LANDING", str(tmp_path / "landing"))
    server.routes["/document/stats/southwest-land-border-encounters"] = [reply(200, _page(SBO), {"Content-Type": "text/html"})]
    server.routes[FILES + SBO] = [reply(200, SBO_V1, {"Content-Type": "text/csv"})]
    return server


def test_a_withdrawal_is_a_new_data_version_and_a_restore_the_old_one(cbp_site):
    """So the daemon rebuilds without a withdrawn release at its next observation, with nothing new at the
    publisher (the release stays held: observing finds nothing to load)."""
    settings = load_settings(live=True)
    [loaded] = ingest.ingest_family(settings, "cbp-sbo")
    before = _observe(settings, "cbp-sbo")
    con = duckdb.connect(str(settings.build_warehouse))
    try:
        registry.withdraw(con, loaded.release_id, "a test")
    finally:
        con.close()
    withdrawn = _observe(settings, "cbp-sbo")
    assert withdrawn.withdrawn == (loaded.release_id,) and not withdrawn.is_new
    assert withdrawn.data_version != before.data_version
    con = duckdb.connect(str(settings.build_warehouse))
    try:
        registry.restore(con, loaded.release_id)
    finally:
        con.close()
    assert _observe(settings, "cbp-sbo").data_version == before.data_version


def test_a_release_is_new_until_loaded_then_new_again_when_restated(cbp_site):
    settings = load_settings(live=True)
    url = cbp_site.url + FILES + SBO
    first = _observe(settings, "cbp-sbo")
    assert first.unknown == (url,) and first.is_new
    assert (first.restated, first.found()) == ((), "1 new release")  # the refresh's "New:" words
    assert first.versions[url].startswith("sha256:")

    assert [r.status for r in ingest.ingest_family(settings, "cbp-sbo")] == ["loaded"]
    loaded = _observe(settings, "cbp-sbo")
    assert not loaded.is_new and loaded.data_version == first.data_version

    cbp_site.routes[FILES + SBO] = [reply(200, SBO_V1.replace(b",20\r\n", b",21\r\n", 1), {"Content-Type": "text/csv"})]
    restated = _observe(settings, "cbp-sbo")
    assert restated.unknown == (url,) and restated.data_version != first.data_version
    # Issue 20, review finding 7: the words say what the publisher did, not "new or changed"
    assert (restated.restated, restated.found()) == ((url,), "1 restated release")


@pytest.mark.parametrize("validator", [{}, {"ETag": '"v1"'}])
def test_a_withdrawn_release_the_publisher_still_offers_is_not_new_but_a_restatement_of_it_is(cbp_site, validator):
    """Review finding 4: the ingest keeps withdrawn bytes out, so calling them new made every refresh after
    a withdrawal run again; the same file restated is new."""
    cbp_site.answers_head = bool(validator)
    cbp_site.routes[FILES + SBO] = [reply(200, SBO_V1, {"Content-Type": "text/csv", **validator})]
    settings = load_settings(live=True)
    url = cbp_site.url + FILES + SBO
    (loaded,) = ingest.ingest_family(settings, "cbp-sbo")
    con = ingest.connect_build(settings)
    try:
        registry.withdraw(con, loaded.release_id, "wrong file uploaded")
    finally:
        con.close()
    assert not _observe(settings, "cbp-sbo").is_new
    assert [r.status for r in ingest.ingest_family(settings, "cbp-sbo")] == ["withdrawn"]  # what a run would do

    restated = {"ETag": '"v2"'} if validator else {}
    cbp_site.routes[FILES + SBO] = [reply(200, SBO_V1.replace(b",20\r\n", b",21\r\n", 1),
                                          {"Content-Type": "text/csv", **restated})]
    assert _observe(settings, "cbp-sbo").unknown == (url,)

def test_an_unreachable_publisher_is_reported_not_taken_for_unchanged(cbp_site):
    settings = load_settings(live=True)
    ingest.ingest_family(settings, "cbp-sbo")
    cbp_site.routes[FILES + SBO] = [reply(503, b"busy", {"Content-Type": "text/plain"})]
    found = _observe(settings, "cbp-sbo")
    assert found.errors and "503" in found.errors[0] and found.is_new


def test_loaded_pages_of_a_family_that_never_restates_are_not_asked_for_again(settings):
    loaded = ingest.ingest_family(settings, "trac-bulletin", months=[date(2018, 6, 1)])
    pages = len(settings.family("trac-bulletin").sample_series)  # the national pages of June 2018
    assert len(loaded) == pages
    found = _observe(settings, "trac-bulletin")
    june = [r.ref.url for r in loaded]
    assert all(found.versions[url] == f"sha256:{r.sha256}" for url, r in zip(june, loaded))
    assert not set(june) & set(found.unknown)  # known by the registry, no request made
    assert len(found.unknown) == len(found.versions) - pages  # every other sample page is new


@pytest.mark.parametrize("validator", [
    {"ETag": '"v1"'},
    {"Last-Modified": "Mon, 06 Nov 2023 10:00:00 GMT"},
])
def test_a_publisher_that_answers_head_is_observed_by_its_validator_without_a_download(cbp_site, validator):
    cbp_site.answers_head = True
    cbp_site.routes[FILES + SBO] = [reply(200, SBO_V1, {"Content-Type": "text/csv", **validator})]
    settings = load_settings(live=True)
    url = cbp_site.url + FILES + SBO
    (name, value), = validator.items()
    kind = "etag" if name == "ETag" else "last-modified"

    first = _observe(settings, "cbp-sbo")
    assert first.versions[url] == f"{kind}:{value}" and first.unknown == (url,)
    assert [r.status for r in ingest.ingest_family(settings, "cbp-sbo")] == ["loaded"]

    downloads = sum(path == FILES + SBO for path, _ in cbp_site.requests)
    loaded = _observe(settings, "cbp-sbo")
    assert not loaded.is_new and loaded.data_version == first.data_version
    assert sum(path == FILES + SBO for path, _ in cbp_site.requests) == downloads  # HEAD alone, no GET
    assert sum(path == FILES + SBO for path, _ in cbp_site.heads) == 2

    changed = {name: '"v2"' if name == "ETag" else "Mon, 04 Dec 2023 10:00:00 GMT"}
    cbp_site.routes[FILES + SBO] = [reply(200, SBO_V1, {"Content-Type": "text/csv", **changed})]
    restated = _observe(settings, "cbp-sbo")
    assert restated.unknown == (url,) and restated.data_version != first.data_version
    # Issue 20, review finding 7: the words say what the publisher did, not "new or changed"
    assert (restated.restated, restated.found()) == ((url,), "1 restated release")
