"""Release sensors on a fake publisher: new -> run, unchanged -> skip, restated -> run; failure alerts."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest

from orchestration import alerts
from orchestration.config import RELEASES_TOML, load_settings
from orchestration.defs.partitions import RANGE_START_TAG
from orchestration.defs.resources import CrowdoutResource
from orchestration.defs.sensors import RELEASE_SENSORS, run_failure_alerts
from tests.support.publisher import conditional_on, reply

FILES = "/sites/default/files/"
NATIONWIDE = ("nationwide-encounters-fy23-fy26-aor.csv", "nationwide-encounters-fy23-fy26-state.csv")
SBO = "sbo-encounters-fy23-fy26.csv"


def _page(*names: str) -> bytes:
    links = "".join(f'<a href="{FILES}{n}">{n}</a>' for n in names)
    return f"<html><body>{links}</body></html>".encode()


@pytest.fixture
def cbp_site(server, tmp_path, monkeypatch):
    """CBP's two listing pages and three files on a local server, which crowdout reads as the live site."""
    toml = tmp_path / "releases.toml"
    toml.write_text(RELEASES_TOML.read_text().replace('"https://www.cbp.gov"', f'"{server.url}"'))
    monkeypatch.setenv("CROWDOUT_RELEASES_TOML", str(toml))
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    html = {"Content-Type": "text/html"}
    server.routes["/document/stats/nationwide-encounters"] = [reply(200, _page(*NATIONWIDE), html)]
    server.routes["/document/stats/southwest-land-border-encounters"] = [reply(200, _page(SBO), html)]
    for name in NATIONWIDE:
        server.routes[FILES + name] = [reply(200, f"Fiscal Year,{name}\r\n2024,1\r\n".encode())]
    server.routes[FILES + SBO] = [conditional_on(b"Fiscal Year,Encounter Count\r\n2024,5\r\n")]
    return server


def _tick(cursor):
    sensor = next(s for s in RELEASE_SENSORS if s.name == "cbp_releases")
    context = dg.build_sensor_context(cursor=cursor, resources={"crowdout": CrowdoutResource(live=True)})
    return sensor(context)


def test_cbp_sensor_new_then_unchanged_then_restated(cbp_site):
    first = _tick(None)
    assert len(first.run_requests) == 1  # three new files, one run: each restates every month
    assert first.run_requests[0].tags[RANGE_START_TAG] == "2016-10-01"
    assert first.run_requests[0].tags["crowdout/releases"] == "new"
    seen = json.loads(first.cursor)
    sbo_url = cbp_site.url + FILES + SBO
    assert seen[sbo_url]["etag"] == '"v1"' and len(seen[sbo_url]["sha256"]) == 64

    second = _tick(first.cursor)
    assert not second.run_requests and "no new or restated" in second.skip_reason.skip_message
    sbo_requests = [h for p, h in cbp_site.requests if p == FILES + SBO]
    assert sbo_requests[-1].get("If-None-Match") == '"v1"'  # unchanged cost one conditional request

    cbp_site.routes[FILES + SBO] = [reply(200, b"Fiscal Year,Encounter Count\r\n2024,6\r\n", {"ETag": '"v2"'})]
    third = _tick(second.cursor)
    assert len(third.run_requests) == 1
    assert third.run_requests[0].tags["crowdout/releases"] == "restated"
    assert third.run_requests[0].run_key != first.run_requests[0].run_key
    assert json.loads(third.cursor)[sbo_url]["etag"] == '"v2"'


def test_unreachable_publisher_is_not_mistaken_for_news(cbp_site):
    first = _tick(None)
    cbp_site.routes.clear()  # every page now 404s
    second = _tick(first.cursor)
    assert not second.run_requests
    assert json.loads(second.cursor) == json.loads(first.cursor)


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        self.server.posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@dg.op
def _boom():
    raise RuntimeError("dbt_models failed")


@dg.job
def _broken():
    _boom()


def test_run_failure_sensor_records_and_posts_to_the_webhook(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    hook.posted = []
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    monkeypatch.setenv("CROWDOUT_ALERT_WEBHOOK", f"http://127.0.0.1:{hook.server_address[1]}/hook")
    try:
        instance = dg.DagsterInstance.ephemeral()
        result = _broken.execute_in_process(instance=instance, raise_on_error=False)
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alerts", dagster_instance=instance,
            dagster_run=result.dagster_run, dagster_event=failure,
        ).for_run_failure()
        run_failure_alerts(context)
    finally:
        hook.shutdown()
    recorded = alerts.last_failure(load_settings())
    assert recorded["run_id"] == result.run_id and recorded["failed_steps"] == ["_boom"]
    assert hook.posted[0]["run_id"] == result.run_id and "failed" in hook.posted[0]["text"]


def test_an_unreachable_webhook_is_reported_not_raised(monkeypatch):
    monkeypatch.setenv("CROWDOUT_ALERT_WEBHOOK", "http://127.0.0.1:9/unreachable")
    assert "could not post" in alerts.post_webhook(load_settings(), {"run_id": "r1"})
    monkeypatch.delenv("CROWDOUT_ALERT_WEBHOOK")
    assert alerts.post_webhook(load_settings(), {"run_id": "r1"}) is None
