"""The Dagster UI, in a real browser: the webserver serves the code location, headless Chromium renders the
asset graph with the raw and marts assets, and the GraphQL API reports the lineage edges."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from orchestration.config import PACKAGE_DIR
from orchestration.dbt_manifest import ensure_prepared

pytestmark = pytest.mark.slow

ROOT = PACKAGE_DIR.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
QUERY = "{ assetNodes { assetKey { path } dependencyKeys { path } } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _restore_signals():
    """A background job starts with SIGINT ignored, and Dagster maps SIGTERM onto SIGINT: restore both."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ui")
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "dagster_home"), "DAGSTER_DISABLE_TELEMETRY": "true",
           "CROWDOUT_WAREHOUSE": str(tmp / "crowdout.duckdb"), "CROWDOUT_LANDING": str(tmp / "landing")}
    (tmp / "dagster_home").mkdir()
    (tmp / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    ensure_prepared()  # the code location loads a prepared manifest; it never runs dbt itself
    port = _free_port()
    webserver_bin = Path(sys.executable).with_name("dagster-webserver")
    proc = subprocess.Popen(
        [str(webserver_bin), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=_restore_signals, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                nodes = _graphql(url)["data"]["assetNodes"]
                if nodes:
                    break
            except (OSError, KeyError, TypeError, ValueError):
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "dagster-webserver did not come up"
            time.sleep(0.5)
        yield url, tmp
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _graphql(url: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql", data=json.dumps({"query": QUERY}).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_graphql_reports_lineage_from_release_to_published_warehouse(webserver):
    url, _ = webserver
    edges = {
        ("/".join(dep["path"]), "/".join(node["assetKey"]["path"]))
        for node in _graphql(url)["data"]["assetNodes"] for dep in node["dependencyKeys"]
    }
    assert ("release/trac_bulletin", "raw/trac_table1") in edges
    assert ("raw/trac_table1", "staging/stg_trac__table1") in edges
    assert ("raw/cbp_nationwide_state", "staging/stg_cbp__nationwide_state") in edges
    assert ("intermediate/int_displacement__base", "marts/fct_displacement_district_month") in edges
    assert ("marts/fct_displacement_district_month", "published_warehouse") in edges


def _rendered(url: str, profile: Path) -> str:
    """The DOM after the page's scripts ran; a large window so the graph lays out every node in view."""
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--window-size=8000,6000", "--virtual-time-budget=20000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    ).stdout


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")
def test_browser_shows_raw_and_marts_assets_in_the_asset_graph(webserver):
    url, tmp = webserver
    raw = _rendered(f"{url}/locations/crowdout/asset-groups/raw", tmp / "chromium")
    assert "trac_table1" in raw and "cbp_nationwide_state" in raw
    marts = _rendered(f"{url}/locations/crowdout/asset-groups/marts", tmp / "chromium")
    assert "fct_displacement_district_month" in marts and "dim_month" in marts
