"""Offline (issue 20, story 3): an unreachable publisher is one failure per publisher, not a list of
failed releases. Before, `--live` without network tried every guessed TRAC page (480 of them) and
recorded each as a failed release, which `crowdout status` then counted until the next publish."""

from __future__ import annotations

import dataclasses

import pytest

from orchestration.connectors.catalog import FAMILIES
from orchestration.connectors.release import PublisherUnreachable
from orchestration.warehouse import ingest, observe
from tests.support.publisher import closed_port

# TRAC's published figures are a CSV in this repository, read without the network in either mode.
ONLINE = sorted(f for f in FAMILIES if f != "trac-published-figures")


@pytest.fixture
def offline(settings):
    """Live settings whose every publisher refuses connections."""
    port = closed_port()
    publishers = {name: pub.model_copy(update={"live": f"http://127.0.0.1:{port}"})
                  for name, pub in settings.releases.publishers.items()}
    return dataclasses.replace(settings, releases=settings.releases.model_copy(update={"publishers": publishers}),
                               live=True)


@pytest.mark.parametrize("family", ONLINE)
def test_observing_an_unreachable_publisher_is_one_error(offline, family):
    found = observe.observe_family(offline, family, None)
    (error,) = found.errors
    assert "unreachable" in error and "connection refused" in error and "--live" in error
    assert found.unknown == ()


def test_observing_every_family_behind_a_dead_proxy_names_the_proxy_once_per_request_not_per_retry(
        settings, monkeypatch):
    """Issue 20, review finding 5: behind a proxy with nothing listening, every request was retried with
    backoff (93 s for all families) and blamed the publisher ("connection refused by www.cbp.gov")."""
    import urllib3.connection

    from orchestration.runs import failures

    port = closed_port()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    attempts = []
    real = urllib3.connection.HTTPConnection._new_conn
    monkeypatch.setattr(urllib3.connection.HTTPConnection, "_new_conn", lambda self: attempts.append(self.host)
                        or real(self))
    http = settings.releases.http.model_copy(update={"retries": 4, "backoff_factor": 1})  # each retry would wait
    releases = settings.releases.model_copy(update={"http": http})
    live = dataclasses.replace(settings, releases=releases, live=True)
    errors = [e for family in ONLINE for e in observe.observe_family(live, family, None).errors]
    assert len(errors) == len(ONLINE) and len(attempts) == len(ONLINE)  # one connection each, no retry
    (line,) = failures.per_publisher(errors)
    assert line == (f"{', '.join(ONLINE)}: proxy http://127.0.0.1:{port} unreachable (connection refused by "
                    f"127.0.0.1:{port}); no publisher was asked through it. Check the proxy (HTTPS_PROXY, "
                    "HTTP_PROXY, NO_PROXY) and refresh again, or refresh without --live to use the bundled sample "
                    "releases.")


@pytest.mark.parametrize("family", ONLINE)
def test_ingesting_from_an_unreachable_publisher_records_no_failed_release(offline, family):
    con = ingest.connect_build(offline)
    try:
        with pytest.raises(PublisherUnreachable, match="unreachable"):
            ingest.ingest_family(offline, family, con=con)
        assert con.execute("SELECT count(*) FROM meta.fetch_attempts").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM meta.releases").fetchone()[0] == 0
    finally:
        con.close()


def test_a_refresh_that_can_reach_no_publisher_says_so_in_seconds_and_runs_nothing(settings, tmp_path, monkeypatch,
                                                                                   capsys):
    """With everything loaded published and every publisher unreachable, there is nothing to build: one
    error line per publisher, exit status 1, no Dagster run that would fail the same way again."""
    import shutil

    import duckdb

    from orchestration import cli
    from orchestration.config import load_settings
    from orchestration.runs import refresh
    from orchestration.runs.instance import open_instance
    from orchestration.warehouse.observe import Observation
    from tests.support import sample_warehouse

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    settings = load_settings()
    sample_warehouse.build(settings.warehouse)
    shutil.copyfile(settings.warehouse, settings.build_warehouse)
    con = duckdb.connect(str(settings.build_warehouse), read_only=True)
    loaded = {r for (r,) in con.execute("SELECT release_id FROM meta.releases WHERE status = 'loaded'").fetchall()}
    con.close()
    down = "trac-bulletin: publisher tracreports.org unreachable (DNS lookup failed for tracreports.org)"
    monkeypatch.setattr(refresh, "observe_all", lambda s: ([Observation("trac-bulletin", {}, errors=(down,))], loaded))
    assert cli.main(["refresh"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert err.count("publisher tracreports.org unreachable") == 1 and "the warehouse is unchanged" in err
    with open_instance(settings) as instance:
        assert instance.get_runs() == []
