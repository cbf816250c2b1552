"""Faults on the operator's machine rather than the publisher's: a full disk under the build warehouse
(issue 11, case 6) and a path that is not a regular file (case 7)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration import cli
from orchestration.config import SAMPLE_RELEASES_DIR
from orchestration.warehouse import ingest
from orchestration.warehouse.lock import writer_lock

STATE = (SAMPLE_RELEASES_DIR / "www.cbp.gov/sites/default/files/assets/documents/2023-Nov"
         / "nationwide-encounters-fy20-fy23-state.csv")


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """The warehouse folder on its own 16 MiB tmpfs (a real filesystem that really fills up); the
    landing folder stays on the ordinary disk, as it would on a machine whose data disk is full."""
    mount = tmp_path / "warehouse"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(mount / "crowdout.duckdb"))
    monkeypatch.setenv("CROWDOUT_LANDING", str(tmp_path / "landing"))
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(folder: Path, leave: int) -> Path:
    st = os.statvfs(folder)
    filler = folder / "filler"
    filler.write_bytes(b"\0" * (st.f_bavail * st.f_frsize - leave))
    return filler


def _releases(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT status, error FROM meta.releases").fetchall()
    finally:
        con.close()


def test_disk_full_at_commit_reports_the_real_cause_records_the_failure_and_a_rerun_loads(small_disk, capsys):
    from orchestration.config import load_settings

    settings = load_settings(live=False)
    ingest.connect_build(settings).close()  # an existing, empty build warehouse
    filler = _fill(small_disk, leave=200_000)

    assert cli.main(["ingest", "cbp-nationwide-state", str(STATE)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "No space left on device" in err
    assert "No space left on device" in err.split("the ROLLBACK after it")[0]  # the cause comes first
    ((status, error),) = _releases(settings.build_warehouse)
    assert status == "failed" and "No space left on device" in error

    filler.unlink()  # the operator frees space and runs the same command again
    assert cli.main(["ingest", "cbp-nationwide-state", str(STATE)]) == 0
    assert _releases(settings.build_warehouse) == [("loaded", None)]


INGEST = "import sys; from orchestration.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.mark.parametrize("make", ["fifo", "device"])
def test_a_fifo_or_device_is_refused_at_once_without_the_writer_lock(settings, tmp_path, make):
    if make == "fifo":
        path = tmp_path / "state.csv"
        os.mkfifo(path)  # nobody writes to it: opening it for reading would block for ever
        kind = "FIFO"
    else:
        path, kind = Path("/dev/zero"), "character device"  # reading it never ends
    # Another writer holds the lock for the whole test: an ingest that took it would wait, and say so.
    with writer_lock(settings.build_warehouse, timeout_s=0):
        done = subprocess.run([sys.executable, "-c", INGEST, "ingest", "cbp-nationwide-state", str(path)],
                              capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).parents[2])
    err = " ".join(done.stderr.split())
    assert done.returncode == 1
    assert f"is a {kind}" in err and "regular files only" in err
    assert "Waiting for the writer lock" not in err
    assert not settings.build_warehouse.exists()
