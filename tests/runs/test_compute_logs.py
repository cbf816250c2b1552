"""A step's output is captured into the files the UI shows without a helper process (the default
manager's `tail` and `watch_orphans`, which a terminal's Ctrl-C reached: review of issue 20, finding 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.runs.compute_logs import StepLogManager


def _children() -> set[int]:
    return {int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat")
            if _parent(p) == os.getpid()}


def _parent(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return None


def test_a_step_s_output_goes_to_its_files_then_to_the_process_s_own_with_no_helper(tmp_path, capfd):
    manager = StepLogManager(str(tmp_path))
    key = ["run", "compute_logs", "step"]
    before = _children()  # what earlier tests left running
    with manager.capture_logs(key):
        print("from python", flush=True)
        print("to stderr", file=sys.stderr, flush=True)
        subprocess.run(["echo", "from a child process"], stdout=sys.stdout, check=True)  # at the fd level
        assert _children() - before == set()  # no tail, no watch_orphans
    captured = manager.get_log_data(key)
    assert captured.stdout.decode().splitlines() == ["from python", "from a child process"]
    assert captured.stderr.decode() == "to stderr\n"
    assert manager.is_capture_complete(key)
    out, err = capfd.readouterr()
    assert out.splitlines() == ["from python", "from a child process"] and err == "to stderr\n"
