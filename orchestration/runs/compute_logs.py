"""Where a step's stdout and stderr go: to its own files under DAGSTER_HOME, which the UI shows for the
step, and then to the running process's own output (a refresh's `last_refresh.log`, a run worker's log).

Dagster's default manager (LocalComputeLogManager) mirrors a step's output live by starting two helper
processes per stream, `tail -F` and a Python `watch_orphans` script, in the process group of whoever
runs the step. In a terminal that is the foreground group: a Ctrl-C reaches the helpers too, and each
watcher prints a KeyboardInterrupt traceback over the one line `crowdout refresh` says. This manager
keeps the same files, paths and UI, and starts no process: the step's file descriptors are redirected
to the files (so dbt's output, written by a child process, is captured too) and the files are copied to
the process's own streams when the step ends, interrupted or not.
"""

from __future__ import annotations

import shutil
import sys
from contextlib import ExitStack, contextmanager
from typing import Sequence

from dagster._core.execution.compute_logs import redirect_to_file
from dagster._core.storage.compute_log_manager import CapturedLogContext, ComputeIOType
from dagster._core.storage.local_compute_log_manager import IO_TYPE_EXTENSION, LocalComputeLogManager
from dagster._utils import ensure_file, touch_file


class StepLogManager(LocalComputeLogManager):
    """LocalComputeLogManager without its `tail`/`watch_orphans` helper processes (see the module)."""

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> StepLogManager:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def capture_logs(self, log_key: Sequence[str]):
        streams = {ComputeIOType.STDOUT: sys.stdout, ComputeIOType.STDERR: sys.stderr}
        paths = {io: self.get_captured_local_path(log_key, IO_TYPE_EXTENSION[io]) for io in streams}
        try:
            with ExitStack() as stack:
                for io, stream in streams.items():
                    ensure_file(paths[io])
                    stack.enter_context(redirect_to_file(stream, paths[io]))
                yield CapturedLogContext(log_key)
        finally:
            for io, stream in streams.items():
                with open(paths[io], encoding="utf-8", errors="replace") as captured:
                    shutil.copyfileobj(captured, stream)
                stream.flush()
        touch_file(self.complete_artifact_path(log_key))
