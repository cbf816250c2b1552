"""`crowdout refresh` on the bundled sample, as a user runs it: every mart built, the 2018 figures
reproduced in the published file; a second refresh finds nothing new and leaves the warehouse alone; a
partial file loaded after it fails the refresh until it is withdrawn; Ctrl-C stops a refresh cleanly; a
killed one leaves neither a dbt process nor anything that blocks the next refresh, which publishes a release
loaded by hand, even an edition newer than the one the publisher's page still links.

Each test pays for at least one whole refresh of the sample, so each story that can share one does."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.config import SAMPLE_RELEASES_DIR

pytestmark = pytest.mark.slow

MARTS = (
    "dim_district", "dim_month", "fct_prosecutions_district_month",
    "fct_prosecutions_by_charge_district_month", "fct_prosecution_revisions", "fct_cbp_encounters",
    "fct_encounter_revisions",
    "fct_border_enforcement_district_month", "fct_displacement_district_month", "fct_published_figure_checks",
)
SAMPLE_SBO = SAMPLE_RELEASES_DIR / "www.cbp.gov/sites/default/files/assets/documents/2023-Nov/sbo-encounters-fy20-fy23.csv"


def _crowdout(env, *args):
    crowdout = Path(sys.executable).with_name("crowdout")
    return subprocess.run([str(crowdout), *args], env=env, capture_output=True, text=True, timeout=900)


def _env(tmp_path):
    env = {**os.environ, "CROWDOUT_WAREHOUSE": str(tmp_path / "crowdout.duckdb"),
           "CROWDOUT_LANDING": str(tmp_path / "landing"), "CROWDOUT_SOURCES": "sample"}
    env.pop("DAGSTER_HOME", None)
    return env


def _snapshot(warehouse: Path):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0] for t in MARTS}
        sw = con.execute(
            """SELECT month, non_immigration_prosecutions, non_immigration_share, cbp_referred_prosecutions,
                      bp_apprehensions, pct_change_vs_baseline_non_immigration, pct_change_vs_baseline_cbp_referred
               FROM marts.fct_displacement_district_month
               WHERE geography = 'SW_BORDER' AND month IN (DATE '2018-03-01', DATE '2018-06-01') ORDER BY month"""
        ).fetchall()
        digest = con.execute(
            "SELECT md5(string_agg(CAST(d AS VARCHAR), '|' ORDER BY geography, month)) "
            "FROM marts.fct_displacement_district_month AS d"
        ).fetchone()[0]
        releases = con.execute("SELECT count(*) FROM meta.releases WHERE status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    return counts, sw, digest, releases


def _recorded_versions(tmp_path: Path) -> dict[str, str]:
    """Each release source's newest data version in the refresh's instance (<data dir>/dagster)."""
    import dagster as dg

    from orchestration.asset_keys import release_source
    from orchestration.connectors.catalog import FAMILIES

    with dg.DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        return {f: instance.fetch_observations(release_source(f), limit=1).records[0]
                .asset_observation.tags["dagster/data_version"] for f in FAMILIES}


def _daemon_would_observe(tmp_path: Path) -> dict[str, str]:
    """The data versions an observation run (the daemon's) computes now, on the same files."""
    from orchestration.config import load_settings
    from orchestration.connectors.catalog import FAMILIES
    from orchestration.warehouse.observe import observe_family

    with pytest.MonkeyPatch.context() as mp:
        for key, value in _env(tmp_path).items():
            if key.startswith("CROWDOUT_"):
                mp.setenv(key, value)
        settings = load_settings()
        con = duckdb.connect(str(settings.build_warehouse), read_only=True)
        try:
            return {f: observe_family(settings, f, con).data_version for f in FAMILIES}
        finally:
            con.close()


def test_a_full_sample_refresh_reproduces_2018_a_second_finds_nothing_new_and_a_bad_file_is_withdrawn(tmp_path):
    """The README's first session: the main job reproduces 2018, and a second refresh finds nothing new and
    leaves the warehouse alone. Then review finding 4, as README's "When a release is bad" tells it: a
    partial file loaded by hand fails the next refresh's checks; after `crowdout release withdraw` the next
    refresh runs (the withdrawal is due), passes and publishes, so `crowdout status` shows that run and no
    failing check; the refresh after it has nothing new."""
    env = _env(tmp_path)
    first = _crowdout(env, "refresh")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "1,093" in first.stdout and "703" in first.stdout
    counts, sw, digest, releases = _snapshot(tmp_path / "crowdout.duckdb")
    assert all(n > 0 for n in counts.values()), counts
    assert counts["fct_displacement_district_month"] == 8 * 36  # 8 geographies x Oct 2016 - Sep 2019
    (march, mar_non_imm, mar_share, mar_cbp, mar_bp, _, _), (_, jun_non_imm, jun_share, jun_cbp, jun_bp, non_imm_chg, cbp_chg) = sw
    assert (mar_non_imm, jun_non_imm, mar_cbp, jun_cbp) == (1093, 703, 6368, 11086)
    assert mar_share == pytest.approx(0.14, abs=0.01) and jun_share == pytest.approx(0.06, abs=0.01)
    assert non_imm_chg == pytest.approx(-0.357, abs=0.001) and cbp_chg == pytest.approx(0.741, abs=0.001)
    assert mar_bp > jun_bp
    assert releases == 366  # 360 national TRAC pages, TRAC's published figures, 3 CBP files, 1 OHSS workbook,
    # 1 EOUSA NCD dump (5 disks)
    published = (tmp_path / "crowdout.duckdb").stat().st_mtime_ns
    assert _recorded_versions(tmp_path) == _daemon_would_observe(tmp_path)  # dg dev's first tick builds nothing

    second = _crowdout(env, "refresh")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "nothing new since" in second.stdout and "the warehouse is unchanged" in second.stdout
    assert "Dagster run" not in second.stdout
    assert (tmp_path / "crowdout.duckdb").stat().st_mtime_ns == published
    assert _snapshot(tmp_path / "crowdout.duckdb") == (counts, sw, digest, releases)

    state = SAMPLE_SBO.with_name("nationwide-encounters-fy20-fy23-state.csv")
    partial = tmp_path / "partial" / state.name
    partial.parent.mkdir()
    partial.write_bytes(b"".join(state.read_bytes().splitlines(keepends=True)[:20_001]))
    loaded = _crowdout(env, "ingest", "cbp-nationwide-state", str(partial))
    release_id = re.search(r"release_id\s+(\S+)", loaded.stdout).group(1)
    failed = _crowdout(env, "refresh")
    assert failed.returncode == 1, failed.stdout[-3000:] + failed.stderr[-3000:]
    assert f"crowdout release withdraw {release_id}" in " ".join(_crowdout(env, "status").stdout.split())

    assert _crowdout(env, "release", "withdraw", release_id, "--reason", "partial file").returncode == 0
    again = _crowdout(env, "refresh")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "New: 1 withdrawal(s) not yet published" in again.stdout
    status = " ".join(_crowdout(env, "status").stdout.split())
    assert "SUCCESS" in status.split("Last run:")[1].split("(started")[0], status
    assert "No failing checks" in status and f"crowdout release withdraw {release_id}" not in status

    last = _crowdout(env, "refresh")
    assert last.returncode == 0 and "nothing new since" in last.stdout, last.stdout[-3000:] + last.stderr[-3000:]


def _newer_sbo_edition(path: Path) -> Path:
    """A later edition of the sample's SBO file (made for this test, not a CBP release), a rolling window as
    CBP's are: the sample's FY2022-FY2023 rows, their counts doubled, then FY2024-FY2025 (to August 2025)
    repeating FY2023's rows."""
    with SAMPLE_SBO.open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    fy23 = [r for r in rows if r[0] == "2023"]
    later = [[fy, *r[1:]] for fy in ("2024", "2025") for r in fy23 if not (fy == "2025" and r[2] == "SEP")]
    doubled = [[*r[:-1], str(2 * int(r[-1]))] for r in rows if r[0] in ("2022", "2023")]
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows([header, *doubled, *later])
    return path


def _sbo_in_the_marts(warehouse: Path) -> tuple[int, str]:
    """(CBP SBO encounters in April 2022, the last SBO month) in the published marts."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        april_2022 = con.execute(
            """SELECT sum(encounter_count) FROM marts.fct_cbp_encounters
               WHERE source = 'cbp-sbo' AND month = DATE '2022-04-01'""").fetchone()[0]
        last = con.execute("SELECT max(month) FROM marts.fct_cbp_encounters WHERE source = 'cbp-sbo'").fetchone()[0]
    finally:
        con.close()
    return april_2022, f"{last:%Y-%m}"


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for_dbt_build(proc: subprocess.Popen, timeout: float = 600) -> int:
    """The pid of the `dbt build` the refresh started, once it runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for child in _children(proc.pid):
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            # dbt itself, once crowdout-dbt has put it in its own session and exec-ed it (not the wrapper)
            if b"build" in cmdline and any(part.endswith(b"/dbt") for part in cmdline):
                return child
        time.sleep(0.2)
    raise AssertionError("dbt build never started")


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _start_refresh(env) -> subprocess.Popen:
    crowdout = Path(sys.executable).with_name("crowdout")
    return subprocess.Popen([str(crowdout), "refresh"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _start_refresh_in_terminal(env) -> tuple[subprocess.Popen, int]:
    """`crowdout refresh` as a user starts it in a terminal: on a pseudo-terminal whose foreground process
    group is the refresh's, so a Ctrl-C typed there is a SIGINT to every process of that group. Returns the
    process and the terminal's master end."""
    import fcntl
    import termios

    master, terminal = os.openpty()
    crowdout = Path(sys.executable).with_name("crowdout")
    proc = subprocess.Popen([str(crowdout), "refresh"], env=env, stdin=terminal, stdout=terminal, stderr=terminal,
                            start_new_session=True, preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(terminal)
    return proc, master


def _read_all(master: int, into: list[bytes]) -> None:
    """What the terminal shows, until the last process holding it closes it (EIO)."""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return
        if not chunk:
            return
        into.append(chunk)


def test_ctrl_c_typed_in_a_terminal_prints_one_line_and_status_shows_that_run(tmp_path, monkeypatch):
    """Issue 20 as a user meets it: Ctrl-C in the terminal interrupts every process in its foreground
    group, not crowdout alone (Dagster's default compute-log manager started `tail` and `watch_orphans`
    helpers there, and each watcher printed a KeyboardInterrupt traceback). dbt runs in a session of its
    own, so the SIGINT reaches crowdout, which forwards one to dbt and waits for it. The refresh prints one
    line, exits 130, shows the dbt step interrupted, not finished; status names the run and says it was
    interrupted, not Dagster's DagsterExecutionInterruptedError."""
    import threading

    import dagster as dg

    env = {**_env(tmp_path), "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    proc, master = _start_refresh_in_terminal(env)
    shown: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(master, shown), daemon=True)
    reader.start()
    try:
        dbt = _wait_for_dbt_build(proc)
        assert os.getsid(dbt) != os.getsid(proc.pid)  # the terminal's Ctrl-C reaches crowdout, not dbt
        os.write(master, b"\x03")  # the terminal's interrupt character: SIGINT to the foreground group
        assert proc.wait(timeout=120) == 130
        reader.join(timeout=30)
    finally:
        os.close(master)
    shown_text = b"".join(shown).decode("utf-8", "replace").replace("\r", "")  # a terminal ends lines \r\n
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown_text)  # the progress bar's colours
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text[-3000:]
    assert text.count("interrupted (Ctrl-C)") == 1, text[-3000:]
    assert "8/9 dbt_models interrupted" in text, text[-3000:]  # the bar's step: not shown as if it had finished
    assert _wait_gone(dbt, 30)

    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    with dg.DagsterInstance.get() as instance:
        (run,) = instance.get_runs()
    status = " ".join(_crowdout(env, "status").stdout.split())
    assert f"Last run: {run.run_id} FAILURE" in status
    assert "interrupted (Ctrl-C)" in status and "DagsterExecutionInterruptedError" not in status


def test_a_killed_refresh_leaves_no_dbt_behind_and_the_next_publishes_a_newer_edition_loaded_by_hand(
        tmp_path, monkeypatch):
    """A refresh killed with SIGKILL leaves no dbt running and blocks no later refresh. The newer SBO edition
    was loaded by hand before it, so the refreshes load the older file the sample page links after the newer
    one: the newer edition's figures are the ones published, and the older file does not block."""
    import dagster as dg

    home = tmp_path / "dagster_home"
    env = {**_env(tmp_path), "DAGSTER_HOME": str(home)}
    newer = _newer_sbo_edition(tmp_path / "sbo-encounters-fy23-fy26-aug.csv")
    loaded = _crowdout(env, "ingest", "cbp-sbo", str(newer))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    proc = _start_refresh(env)
    dbt = _wait_for_dbt_build(proc)
    proc.kill()  # SIGKILL: crowdout gets no chance to clean up
    proc.communicate()
    assert _wait_gone(dbt, 30), "dbt outlived the refresh that started it"

    again = _crowdout(env, "refresh")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        statuses = sorted(run.status.value for run in instance.get_runs())
    assert statuses == ["FAILURE", "SUCCESS"]  # the killed run is marked failed, not left STARTED

    with SAMPLE_SBO.open(newline="") as fh:
        older_april = sum(int(r["Encounter Count"]) for r in csv.DictReader(fh)
                          if r["Fiscal Year"] == "2022" and r["Month (abbv)"] == "APR")
    assert _sbo_in_the_marts(tmp_path / "crowdout.duckdb") == (2 * older_april, "2025-08")  # the newer edition's
