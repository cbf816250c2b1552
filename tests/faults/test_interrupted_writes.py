"""The writer dies, or a reader is busy, while a release is being written.

A load is one DuckDB transaction, so a process killed in the middle of it must leave the build warehouse
openable with all or none of the release, the landed file kept, and a re-run that loads it. Analysts read
the published file, which the writer only ever replaces whole, so a reader during a refresh keeps working
and sees the old or the new warehouse, never a mixture, and never holds the writer up.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from orchestration.config import SAMPLE_RELEASES_DIR
from orchestration.connectors import landing
from orchestration.warehouse import ingest
from orchestration.warehouse.publish import publish
from tests.support.warehouse import ingest_one, rows, snapshot

FAMILY = "cbp-nationwide-state"
STATE = SAMPLE_RELEASES_DIR / "www.cbp.gov/sites/default/files/assets/documents/2023-Nov/nationwide-encounters-fy20-fy23-state.csv"
SMALL_STATE = Path(__file__).resolve().parents[1] / "fixtures" / "cbp" / "state.csv"

# `crowdout ingest` as an operator runs it, told by the test (never by production code) where the load
# stands: "loading" as the load transaction starts, "registering" once every raw row is inserted and
# the release is about to be registered, "committed" after COMMIT. With `--stall` it stops at
# "registering", so a kill there always lands inside the open transaction.
KILLABLE_INGEST = textwrap.dedent("""
    import sys, time
    from orchestration import cli
    from orchestration.warehouse import raw, registry

    def announce(before, after, stall=False):
        def wrapped(*args, **kwargs):
            print(before, flush=True)
            while stall:
                time.sleep(1)
            return after(*args, **kwargs)
        return wrapped

    load = raw.load_release
    def load_and_report(*args, **kwargs):
        rid = announce("loading", load)(*args, **kwargs)
        print("committed", flush=True)
        return rid
    raw.load_release = load_and_report
    registry.upsert_release = announce("registering", registry.upsert_release, "--stall" in sys.argv)
    sys.exit(cli.main(["ingest", sys.argv[1], sys.argv[2]]))
""")


@pytest.fixture(scope="module")
def big_state(tmp_path_factory) -> Path:
    """The real state file's rows ten times over (425,320 rows, 28 MB): a load that takes long enough
    to be killed in, and large enough that DuckDB writes row groups to the file before COMMIT."""
    head, _, body = STATE.read_bytes().partition(b"\n")
    path = tmp_path_factory.mktemp("big") / STATE.name
    path.write_bytes(head + b"\n" + body * 10)
    return path


def _kill_mid_load(big: Path, stall: bool) -> list[str]:
    """Run the ingest, SIGKILL it once its load has started, and return what it said before dying."""
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_INGEST, FAMILY, str(big), *(["--stall"] if stall else [])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        said = [proc.stdout.readline().strip()]
        if stall:
            while said[-1] == "loading":
                said.append(proc.stdout.readline().strip())
        else:
            # While the raw INSERT of 425k rows runs (about half a second here); a late kill is still all-or-nothing.
            time.sleep(random.uniform(0.02, 0.2))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, err
    return said + out.split()


@pytest.mark.parametrize("stall", [False, True], ids=["during-insert", "before-commit"])
def test_a_load_killed_midway_leaves_all_or_nothing_and_a_rerun_loads_it(settings, big_state, stall):
    assert ingest_one(settings, ingest.ref_for_location(settings, FAMILY, str(SMALL_STATE))).status == "loaded"
    before = snapshot(settings)

    said = _kill_mid_load(big_state, stall)
    assert said[0] == "loading", said
    if stall:
        assert said[-1] == "registering" and "committed" not in said

    sha = landing.sha256_file(big_state)
    rid = f"{FAMILY}:{sha[:16]}"
    landed = settings.landing / FAMILY / sha[:2] / sha / big_state.name
    assert landing.sha256_file(landed) == sha
    total = 425_320
    got = rows(settings, "SELECT count(*) FROM raw.cbp_nationwide_state WHERE release_id = ?", [rid])[0][0]
    registered = rows(settings, "SELECT status, row_count FROM meta.releases WHERE release_id = ?", [rid])
    if "committed" in said:  # the kill came after COMMIT: all of it
        assert (got, registered) == (total, [("loaded", total)])
    else:
        assert (got, registered) == (0, [])
        assert snapshot(settings) == before
    assert list((settings.landing / FAMILY).glob(".download-*")) == []

    rerun = ingest_one(settings, ingest.ref_for_location(settings, FAMILY, str(big_state)))
    assert rerun.status in {"loaded", "unchanged"} and rerun.release_id == rid
    assert rows(settings, "SELECT count(*) FROM raw.cbp_nationwide_state WHERE release_id = ?", [rid]) == [(total,)]
    after = snapshot(settings)
    assert ingest_one(settings, ingest.ref_for_location(settings, FAMILY, str(big_state))).status == "unchanged"
    assert snapshot(settings) == after


# An analyst's notebook holding the published file open ("held"), and a dashboard reconnecting for every
# query ("fresh"). They need separate processes: DuckDB hands a process's new connections the database it
# already has open, so in one process both would read the held file. Each snapshot must be whole: every
# loaded release has exactly its registered rows.
READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import duckdb

    published, mode, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    CHECK = '''SELECT count(*), count(*) FILTER (WHERE r.row_count IS DISTINCT FROM
                   (SELECT count(*) FROM raw.cbp_nationwide_state s WHERE s.release_id = r.release_id))
               FROM meta.releases r WHERE r.status = 'loaded' '''
    held = duckdb.connect(published, read_only=True) if mode == "held" else None

    def releases():
        con = held or duckdb.connect(published, read_only=True)
        try:
            n, torn = con.execute(CHECK).fetchone()
        finally:
            if con is not held:
                con.close()
        if torn:
            raise AssertionError(f"{torn} release(s) with missing or extra rows")
        return n

    seen = [releases()]
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not stop.exists() and time.monotonic() < deadline:
        seen.append(releases())
    seen.append(releases())
    print(json.dumps(seen))
""")


def test_a_reader_during_a_refresh_keeps_reading_whole_warehouses_and_never_blocks_the_writer(settings):
    body = STATE.read_bytes()
    # Three restatements of the real file, each a new release: one count changed per release.
    restatements = [body.replace(b",2\r\n", f",{90 + i}\r\n".encode(), 1) for i in range(3)]
    assert len(set(restatements)) == 3 and body not in restatements
    assert ingest_one(settings, ingest.ref_for_location(settings, FAMILY, str(SMALL_STATE))).status == "loaded"
    publish(settings.build_warehouse, settings.warehouse)

    stop = settings.data_dir / "stop-reading"
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(settings.warehouse), mode, str(stop)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for mode in ("held", "fresh")
    }
    try:
        for reader in readers.values():
            assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        for i, restated in enumerate(restatements):
            release = settings.data_dir / f"restated-{i}" / STATE.name
            release.parent.mkdir()
            release.write_bytes(restated)
            assert ingest_one(settings, ingest.ref_for_location(settings, FAMILY, str(release))).status == "loaded"
            assert publish(settings.build_warehouse, settings.warehouse) == settings.warehouse
        stop.touch()
        seen = {}
        for mode, reader in readers.items():
            out, err = reader.communicate(timeout=90)
            assert reader.returncode == 0, err
            seen[mode] = json.loads(out)
    finally:
        for reader in readers.values():
            if reader.poll() is None:
                reader.kill()
                reader.wait()
    assert set(seen["held"]) == {1}  # the old file, whole, for as long as it is held open
    assert seen["fresh"] == sorted(seen["fresh"]) and (seen["fresh"][0], seen["fresh"][-1]) == (1, 4)
    assert not list(settings.data_dir.glob(".*.tmp"))
