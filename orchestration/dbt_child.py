"""`crowdout-dbt`: dbt, as a child that cannot outlive the crowdout process that started it.

Dagster's dbt resource starts dbt as a plain subprocess. Killed with SIGKILL, crowdout cannot stop it,
and an orphaned dbt would go on writing the build warehouse after the writer lock was released. This
wrapper asks the kernel to kill dbt when its parent dies (PR_SET_PDEATHSIG), puts it in a session of its
own (so a terminal's Ctrl-C reaches crowdout alone, which forwards one SIGINT and waits for dbt to stop),
then becomes the dbt installed beside this Python.

`crowdout-dbt --version` alone is answered here, from the installed packages' metadata. Dagster's dbt
resource asks for the version before every dbt command, and dbt's own `--version` imports all of dbt and
asks PyPI for the latest release: seconds per refresh, and a network call a refresh has no use for.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from importlib.metadata import version
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def dbt_path() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def print_version() -> None:
    """The installed versions, in the layout of dbt's own `--version` (dagster-dbt reads the first one)."""
    print(f"Core:\n  - installed: {version('dbt-core')}\n\nPlugins:\n  - duckdb: {version('dbt-duckdb')}")


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print_version()
        return
    parent = os.getppid()
    os.setsid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before the request took effect
            sys.exit(1)
    dbt = dbt_path()
    os.execv(dbt, [dbt, *sys.argv[1:]])
