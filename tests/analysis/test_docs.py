"""`crowdout docs`: dbt docs from a copy of the warehouse (never the live files), then served locally."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from orchestration.analysis import docs
from orchestration.analysis.reader import AnalysisError
from orchestration.config import DBT_PROJECT_DIR, load_settings
from orchestration.warehouse.lock import writer_lock


def test_copies_the_published_file(warehouse, tmp_path):
    copy = docs.snapshot(load_settings(), tmp_path)
    assert copy != warehouse and copy.read_bytes() == warehouse.read_bytes()


def test_falls_back_to_the_build_file_under_the_writer_lock(warehouse, tmp_path):
    settings = load_settings()
    warehouse.rename(settings.build_warehouse)
    dest = tmp_path / "copy"
    dest.mkdir()
    assert docs.snapshot(settings, dest).read_bytes() == settings.build_warehouse.read_bytes()
    held, release = threading.Event(), threading.Event()

    def writer():  # another writer: the lock is re-entrant only within the thread that holds it
        with writer_lock(settings.build_warehouse, timeout_s=0):
            held.set()
            release.wait(30)

    other = threading.Thread(target=writer)
    other.start()
    try:
        assert held.wait(30)
        with pytest.raises(AnalysisError, match="crowdout refresh"):
            docs.snapshot(settings, dest)
    finally:
        release.set()
        other.join()


def test_no_warehouse_says_run_refresh(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "none.duckdb"))
    with pytest.raises(AnalysisError, match="run `crowdout refresh` first"):
        docs.snapshot(load_settings(), tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_one_command_generates_and_serves_and_sigterm_frees_the_port(warehouse):
    """The docs build leaves the pipeline's manifest alone, and SIGTERM to `crowdout docs` (not to its
    process group) stops the `dbt docs serve` under it."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    before = manifest.read_bytes() if manifest.exists() else None
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "docs", "--port", str(port)],
                            cwd=Path(__file__).resolve().parents[2], env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    assert page.status == 200 and b"dbt" in page.read().lower()
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/catalog.json", timeout=2) as cat:
                    assert b"fct_displacement_district_month" in cat.read()
                break
            except OSError:
                assert time.monotonic() < deadline, "dbt docs serve did not answer within 180 s"
                time.sleep(1)
        os.kill(proc.pid, signal.SIGTERM)  # the parent only, as a process manager would
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _answers(port):
            assert time.monotonic() < deadline, "dbt docs serve still holds the port after SIGTERM"
            time.sleep(0.5)
    finally:
        if proc.poll() is None or _answers(port):
            os.killpg(proc.pid, signal.SIGTERM)
    assert (docs.target_path(load_settings()) / "static_index.html").exists()
    assert (manifest.read_bytes() if manifest.exists() else None) == before
    assert warehouse.with_name(warehouse.name + ".wal").exists() is False


def _answers(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
