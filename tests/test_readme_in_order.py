"""The README works as written: a new user's session on a fresh clone, every code block in document order.

The repository's committed HEAD is cloned into an empty temporary folder (nothing beside it), and
the README's ```bash blocks run in ONE bash session under `set -euo pipefail`, exactly as written: the
virtualenv is created and activated as the README says, so a command that only works in a prepared
environment fails here. Its ```sql blocks run the way the README says they run (`crowdout query "<SQL>"`)
and its ```python block with the activated environment's python, each where it stands in the README.

A command that cannot run inside a test is replaced, visibly, by the entry in `SUBSTITUTES` that says why
(the test fails if that command is no longer in the README, so the list cannot go stale). What each
command prints is checked against `EXPECTED`. pip's install uses PyPI (or the machine's pip
configuration) and its cache, as CI's does.
"""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^( *)```(bash|sql|python)\n(.*?)^\1```", re.S | re.M)  # list items indent theirs
MARK = "@@README-STEP@@"

# The README's ingest example named by the partial-file scenario below.
SAMPLE_STATE_FILE = ("orchestration/samples/releases/www.cbp.gov/sites/default/files/assets/documents/2023-Nov/"
                     "nationwide-encounters-fy20-fy23-state.csv")

# README command -> (what runs instead, why). `{port}` is a free port chosen by the test.
SUBSTITUTES: dict[str, tuple[str, str]] = {
    "pytest -q -n auto": (
        "pytest -q --collect-only",
        "the suite running this test would run itself again; collecting proves the README's install gives "
        "a suite that imports and collects"),
    'crowdout release withdraw RELEASE_ID --reason "partial file: 20,000 of 42,532 rows"   # kept, no longer used': (
        # The README's scenario: a partial CBP file, loaded since the last publish, that blocks it. The
        # sample has none, so the test makes one (the state file's first 20,000 rows) and withdraws it.
        f"mkdir -p ../partial && head -n 20001 {SAMPLE_STATE_FILE} > ../partial/$(basename {SAMPLE_STATE_FILE})\n"
        f"RELEASE_ID=$(crowdout ingest cbp-nationwide-state ../partial/$(basename {SAMPLE_STATE_FILE}) "
        "| awk '$1 == \"release_id\" {print $2}')\n"
        "crowdout status\n"
        'crowdout release withdraw "$RELEASE_ID" --reason "partial file: 20,000 of 42,532 rows"',
        "RELEASE_ID is a placeholder for the release `crowdout status` names; the test loads such a partial "
        "file first and uses its id"),
    "crowdout release restore RELEASE_ID                     # undo, if it was right after all": (
        'crowdout release restore "$RELEASE_ID"', "RELEASE_ID: the release withdrawn above"),
    "dg dev                        # UI on http://127.0.0.1:3000, plus the daemon that runs the automation": (
        "serve_then_stop 'dg dev --port {port}' {port}",
        "a server runs until stopped: it is started on a free port, must answer /server_info, and must then "
        "stop within a minute of Ctrl-C (SIGINT to its process group, as a terminal sends it)"),
    "useradd --system --home /var/lib/crowdout --create-home crowdout": (
        "", "creates a system user (root; changes the machine)"),
    "git clone <this repository> /opt/crowdout && cd /opt/crowdout": (
        "", "this session already runs in a fresh clone; `<this repository>` is a placeholder"),
    "python3 -m venv .venv && .venv/bin/pip install -q -e . \\\n"
    "  && .venv/bin/dagster-dbt project prepare-and-package --file orchestration/dbt_manifest.py": (
        ".venv/bin/dagster-dbt project prepare-and-package --file orchestration/dbt_manifest.py",
        "/opt/crowdout is this session's clone, whose .venv the first step filled with `.[test]`, which holds "
        "`.`: pip would only confirm it (about 25 s); the manifest is prepared as written"),
    "install -d -m 0750 -o crowdout /etc/crowdout \\\n"
    "  && install -m 0600 -o crowdout orchestration/deploy/crowdout.env.example /etc/crowdout/crowdout.env": (
        "", "writes /etc and needs the crowdout user (root)"),
    "runuser -u crowdout -- env $(grep -v '^#' /etc/crowdout/crowdout.env | xargs) .venv/bin/crowdout instance init": (
        "env $(grep -v '^#' orchestration/deploy/crowdout.env.example | xargs) DAGSTER_HOME=$PWD/../prod-dagster "
        ".venv/bin/crowdout instance init",
        "no crowdout user or /etc here: the shipped environment file as is (its PostgreSQL URL too: init only "
        "writes dagster.yaml), with DAGSTER_HOME in a temporary folder"),
    "runuser -u crowdout -- env $(grep -v '^#' /etc/crowdout/crowdout.env | xargs) .venv/bin/crowdout refresh": (
        "", "the environment file says CROWDOUT_SOURCES=live: the publishers are not reachable from a test"),
    "cp orchestration/deploy/crowdout-dagster-*.service /etc/systemd/system/": (
        "", "writes /etc/systemd (root)"),
    "systemctl daemon-reload && systemctl enable --now crowdout-dagster-daemon crowdout-dagster-webserver": (
        "", "needs systemd; tests/deploy runs the same daemon and webserver without it"),
    ".venv/bin/python -m benchmarks.run --quick   # the sample's figures (cold refresh, ingestion, dbt, the floor, definitions load) and 3x history": (
        "", "a measurement of several full refreshes (minutes), kept out of tests by the project's rule"),
    ".venv/bin/python -m benchmarks.run           # plus history at 3x/10x/30x and 100x scale (long: see benchmarks/README.md)": (
        "", "hours of measurement"),
}

# (command as the README writes it, which run of it) -> what its output must show.
EXPECTED: dict[tuple[str, int], list[str]] = {
    ('python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]"', 0): [],
    ("crowdout refresh", 0): [r"releases loaded from 7 families", r"New this run",
                              r"trac-bulletin\s+360\s+2016-10\.\.2019-09"],
    ("pytest -q", 0): [r"\d+ tests collected"],
    ("crowdout ingest cbp-nationwide-state", 0): [r"unchanged\s+cbp-nationwide-state"],
    ("crowdout release withdraw", 0): [r"publish blocked cbp-nationwide-state", r"withdrawn; it stays in meta.releases"],
    # The withdrawal makes it due: the checks run again without the release, and the run publishes.
    ("crowdout refresh", 1): [r"New: 1 withdrawal\(s\) not yet published", r"Refresh done in"],
    ("crowdout release restore", 0): [r"restored; it stays in meta.releases"],
    ("crowdout metrics --geography AZ --from 2018-04 --to 2018-09", 0): [
        r"Missing non-immigration prosecutions, AZ, 2018-04 to 2018-09: [\d,]+"],
    ("crowdout query \"SELECT round(sum(missing_non_immigration))", 0): [r"any_modelled", r"\d"],
    ("crowdout metrics --geography SW_BORDER --from 2018-01 --to 2018-12", 0): [
        r"Missing non-immigration prosecutions, SW_BORDER"],
    ("crowdout revisions --family cbp-nationwide-state --since 2024-01", 0): [r"\S"],
    ("crowdout export data/export", 0): [r"fct_displacement_district_month", r"Data dictionary"],
    ("crowdout report", 0): [r"Report: .*crowdout-report\.html", r"chart: .*\.png"],
    ("crowdout docs --no-serve", 0): [r"dbt docs generated: .*static_index\.html"],
    ("SQL", 0): [r"2018-03-01\s+1,093\s", r"2018-06-01\s+703\s"],  # TRAC's 1,093 and 703, as a table
    ("SQL", 1): [r"pct_vs_march"],
    ("SQL", 2): [r"gap_pct_points"],
    ("SQL", 3): [r"21 USC 846|statute|prosecutions"],
    ("crowdout metrics --by program --from 2018-03 --to 2018-06", 0): [
        r"Fell from 2018-03 to 2018-06 in US: \w", r"drugs\s+[\d,]+\*"],
    ("SQL", 4): [r"pct_vs_march", r"white_collar"],
    ("export DAGSTER_HOME=$PWD/data/dagster", 0): [],
    ("crowdout instance init", 0): [r"wrote .*data/dagster/dagster\.yaml"],
    ("dg dev", 0): [r"answered on port \d+", r"stopped by Ctrl-C"],
    ("python3 -m venv .venv && .venv/bin/pip install -q -e .", 0): [],
    ("runuser -u crowdout -- env $(grep -v '^#' /etc/crowdout/crowdout.env | xargs) .venv/bin/crowdout instance init",
     0): [r"wrote .*prod-dagster/dagster\.yaml: runs stored in PostgreSQL"],
}

# Commands whose output must carry no Python warning (issue 13: BetaWarning and deprecations on every refresh).
QUIET = {"crowdout refresh", "crowdout report", "crowdout metrics --geography SW_BORDER --from 2018-01 --to 2018-12"}

# Files a command must leave behind (relative to the clone), checked after the session.
OUTPUTS = ["data/crowdout.duckdb", "data/report/crowdout-report.html", "data/dbt-docs/static_index.html",
           "data/export/fct_displacement_district_month.parquet", "data/export/data_dictionary.md",
           "data/dagster/dagster.yaml"]

PROMISED = re.compile(r"\bdata/[\w/.-]+\.[a-z]+\b")  # a file (with an extension) the README says is written

SESSION_HELPERS = r"""
alive() {  # running, not a zombie waiting to be reaped
  [ -r /proc/$1/stat ] && [ "$(cut -d' ' -f3 /proc/$1/stat)" != Z ]
}
serve_then_stop() {  # a long-running server: start it, wait for /server_info, then stop it as a user does
  local command=$1 port=$2
  # A background job of a non-interactive shell starts with SIGINT ignored, and Python keeps it ignored:
  # restore it, so the server hears Ctrl-C as it would in a terminal.
  setsid python -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp("bash", ["bash", "-c", sys.argv[1]])' \
    "exec $command" > ../server.log 2>&1 &
  local pid=$!
  for _ in $(seq 1 240); do
    if python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/server_info', timeout=2)" \
        2>/dev/null; then
      echo "answered on port $port"
      kill -INT -- -$pid  # Ctrl-C
      for _ in $(seq 1 60); do alive $pid || break; sleep 1; done
      if alive $pid; then
        echo "still running 60 s after Ctrl-C"; cat ../server.log; kill -KILL -- -$pid; return 1
      fi
      wait $pid || true
      echo "stopped by Ctrl-C"
      return 0
    fi
    alive $pid || { cat ../server.log; return 1; }
    sleep 1
  done
  cat ../server.log; kill -KILL -- -$pid; return 1
}
"""


def readme_steps(text: str) -> list[tuple[str, str]]:
    """(kind, command) in document order: each complete bash command (continuation lines and multi-line
    quotes kept together, comment lines dropped), each SQL block, each Python block."""
    steps = []
    for _, kind, body in BLOCK.findall(text):
        body = textwrap.dedent(body)
        if kind != "bash":
            steps.append((kind, body))
            continue
        pending: list[str] = []
        for line in body.splitlines():
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            pending.append(line)
            joined = "\n".join(pending)
            if joined.endswith("\\"):
                continue
            try:
                shlex.split(joined, comments=True)
            except ValueError:  # an open quote: the command goes on
                continue
            steps.append(("bash", joined))
            pending = []
        assert not pending, f"unterminated command in the README: {pending}"
    return steps


def _step_name(kind: str, command: str) -> str:
    """What EXPECTED calls a step: SQL, PYTHON, or the command without its trailing comment."""
    return {"sql": "SQL", "python": "PYTHON"}.get(kind) or re.sub(r"\s+# [^'\"]*$", "", command)


def _script(steps: list[tuple[str, str]], port: int) -> tuple[str, list[tuple[str, str]]]:
    """The session's script (a marker echoed before each step) and each step as (name, what ran)."""
    lines = ["set -euo pipefail", "exec 2>&1", SESSION_HELPERS]
    ran = []
    for i, (kind, command) in enumerate(steps):
        if kind == "sql":
            body = f"crowdout query \"$(cat <<'SQL'\n{command}SQL\n)\""
        elif kind == "python":
            body = f"python - <<'PYTHON'\n{command}PYTHON"
        elif command in SUBSTITUTES:
            instead, reason = SUBSTITUTES[command]
            body = instead.replace("{port}", str(port)) or f"echo {shlex.quote('skipped: ' + reason)}"
        else:
            body = command
        lines += [f"echo '{MARK} {i}'", body]
        ran.append((_step_name(kind, command), body))
    lines.append(f"echo '{MARK} end'")
    return "\n".join(lines) + "\n", ran


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(home: Path) -> dict[str, str]:
    """A new user's shell: no crowdout or Dagster settings, not inside this test's virtualenv."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CROWDOUT_", "DAGSTER_", "PYTEST_", "VIRTUAL_ENV", "PYTHON"))}
    own_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != own_bin)
    env.update(HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1", DAGSTER_DISABLE_TELEMETRY="true",
               DBT_SEND_ANONYMOUS_USAGE_STATS="false", XDG_CACHE_HOME=os.environ.get(
                   "XDG_CACHE_HOME", str(Path.home() / ".cache")))  # pip's cache, as CI's
    return env


def test_every_substitute_names_a_readme_command():
    commands = {c for _, c in readme_steps((ROOT / "README.md").read_text())}
    assert set(SUBSTITUTES) <= commands, sorted(set(SUBSTITUTES) - commands)
    assert all(reason for _, reason in SUBSTITUTES.values())


def test_readme_commands_in_order_on_a_fresh_clone(tmp_path):
    work = tmp_path / "session"
    work.mkdir()
    clone = work / "crowdout"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    steps = readme_steps((clone / "README.md").read_text())
    script, ran = _script(steps, _free_port())
    (work / "session.sh").write_text(script)
    done = subprocess.run(["bash", str(work / "session.sh")], cwd=clone, env=_clean_env(tmp_path / "home"),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=3600)
    (work / "session.log").write_text(done.stdout)  # kept in pytest's tmp folder for a look afterwards
    parts = re.split(rf"^{MARK} (\S+)$", done.stdout, flags=re.M)
    outputs = dict(zip(parts[1::2], parts[2::2]))
    finished = "end" in outputs
    failed_at = ran[len(outputs) - 1] if outputs and not finished else None
    assert done.returncode == 0 and finished, (
        f"the session stopped (exit {done.returncode}) at {failed_at}:\n{done.stdout[-6000:]}")

    seen: dict[str, int] = {}
    checked = set()
    for i, (name, body) in enumerate(ran):
        output = outputs[str(i)]
        key = next((k for k, _ in EXPECTED if name == k or (name.startswith(k) and k != "crowdout refresh")), name)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        for pattern in EXPECTED.get((key, occurrence), []):
            assert re.search(pattern, output), f"{name!r} ran as {body!r}; {pattern!r} not in:\n{output[-3000:]}"
        checked.add((key, occurrence))
        if name in QUIET:
            assert not re.search(r"\w+Warning\b", output), f"{name!r} warns:\n{output[-3000:]}"
    assert set(EXPECTED) <= checked, f"README commands the test expects but did not find: {set(EXPECTED) - checked}"
    for path in OUTPUTS:
        assert (clone / path).exists(), path
    # Every file under data/ the README names is one its commands wrote (it once promised a report chart as
    # data/report/r-06-programs-fell.png, which no command writes).
    for path in sorted(set(PROMISED.findall((clone / "README.md").read_text()))):
        assert (clone / path).is_file(), f"README names {path}, which its commands did not write"
    assert "python3 -m venv .venv" in ran[0][1] and "source .venv/bin/activate" == ran[1][1]
