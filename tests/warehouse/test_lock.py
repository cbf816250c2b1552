"""The writer lock: a second writer waits and says for whom, fails with a clear message after its time
limit, and a writer that dies (kill -9) never blocks the next one (issue 11, case 1)."""

import os
import signal
import subprocess
import sys

import pytest

from orchestration.warehouse.lock import WarehouseBusy, build_lock, holder, writer_lock

HOLD = """
import signal, sys, time
from pathlib import Path
signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a shell running tests in the background may ignore it
from orchestration.warehouse.lock import writer_lock
with writer_lock(Path(sys.argv[1]), timeout_s=5):
    print("locked", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def other_writer(tmp_path):
    """A separate process holding the lock, as a running refresh would."""
    build = tmp_path / "w.build.duckdb"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(build)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    yield build, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_second_writer_says_whom_it_waits_for_then_times_out_naming_the_holder(other_writer):
    build, proc = other_writer
    said = []
    with pytest.raises(WarehouseBusy, match=f"another crowdout process is writing .*pid {proc.pid}"):
        with writer_lock(build, timeout_s=0.3, on_wait=said.append):
            pass
    assert len(said) == 1 and f"pid {proc.pid}" in said[0] and "giving up after 0s" in said[0]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_writer_releases_the_lock_at_once(other_writer, sig):
    build, proc = other_writer
    os.kill(proc.pid, sig)
    proc.wait(timeout=30)
    said = []
    with writer_lock(build, timeout_s=2, on_wait=said.append):
        assert holder(build)["pid"] == os.getpid()
    assert said == []  # the dead writer's leftover holder record does not make anyone wait


def test_a_writer_waits_the_configured_limit(tmp_path, monkeypatch):
    toml = tmp_path / "releases.toml"
    from orchestration.config import RELEASES_TOML, load_settings

    toml.write_text(RELEASES_TOML.read_text().replace("wait_seconds = 600", "wait_seconds = 0.2"))
    monkeypatch.setenv("CROWDOUT_RELEASES_TOML", str(toml))
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "w.duckdb"))
    settings = load_settings()
    build = settings.build_warehouse
    with build_lock(settings):
        with pytest.raises(WarehouseBusy, match="waited 0s"):
            _in_another_thread(lambda: build_lock(settings).__enter__())
    with writer_lock(build, timeout_s=0.3):
        pass
    assert holder(build) is None  # released: nobody is named as holding it


def _in_another_thread(call):
    """Run `call` on a fresh thread and re-raise what it raised here."""
    import threading

    raised = []

    def run():
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            raised.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if raised:
        raise raised[0]


def test_the_holder_takes_it_again_at_once_and_keeps_it_until_its_outer_block_ends(tmp_path):
    """A Dagster run holds the lock for the whole run; its steps' own blocks must not wait on it, and
    leaving a step's block must not release it between steps."""
    build = tmp_path / "w.build.duckdb"
    with writer_lock(build, timeout_s=0):
        with writer_lock(build, timeout_s=0):
            pass
        with pytest.raises(WarehouseBusy):  # still held after the inner block: no gap between steps
            _in_another_thread(lambda: writer_lock(build, timeout_s=0, on_wait=lambda _: None).__enter__())
    assert holder(build) is None
