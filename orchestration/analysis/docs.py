"""`crowdout docs`: dbt's lineage and column docs, generated offline and served locally.

`dbt docs generate` opens its database read-write, and DuckDB allows one writing process per file, so it
never runs on the published or the build file itself: it runs on a private copy. The copy is of the
published file (it is replaced atomically, so a plain copy is consistent); only when nothing has been
published yet is the build file copied, under the writer lock, so no load is half-way through it.

The docs are built into their own target folder (`<data dir>/dbt-docs`), never `dbt_project/target`: a
`dbt docs generate` there would rewrite the pipeline's manifest.json from the copy, and Dagster would then
show the relations under the copy's name. `dbt docs serve` runs in its own process group, so stopping
`crowdout docs` (Ctrl-C or SIGTERM) stops the server too and frees the port.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from orchestration.analysis.reader import AnalysisError
from orchestration.config import DBT_PROJECT_DIR, Settings
from orchestration.dbt_manifest import dbt_executable
from orchestration.warehouse.lock import WarehouseBusy, writer_lock


def _dbt() -> str:
    found = shutil.which(dbt_executable())
    if not found:
        raise AnalysisError("the dbt command is not installed in this environment: pip install -e . first")
    return found


def snapshot(settings: Settings, dest: Path) -> Path:
    """Copy the warehouse dbt should describe into `dest` and return the copy's path."""
    copy = dest / "docs.duckdb"
    if settings.warehouse.exists():
        shutil.copyfile(settings.warehouse, copy)
        return copy
    if not settings.build_warehouse.exists():
        raise AnalysisError(f"no warehouse at {settings.warehouse} yet: run `crowdout refresh` first.")
    try:
        with writer_lock(settings.build_warehouse, timeout_s=5):
            shutil.copyfile(settings.build_warehouse, copy)
            wal = settings.build_warehouse.with_name(settings.build_warehouse.name + ".wal")
            if wal.exists():
                shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    except WarehouseBusy:
        raise AnalysisError("nothing is published yet and a refresh is writing the build warehouse: "
                            "run `crowdout docs` again when `crowdout refresh` has finished.") from None
    return copy


def target_path(settings: Settings) -> Path:
    """Where the docs are built and served from: the pipeline's own dbt_project/target is left alone."""
    return settings.data_dir / "dbt-docs"


def _command(settings: Settings, *args: str) -> list[str]:
    return [_dbt(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(target_path(settings))]


def _env(database: Path) -> dict[str, str]:
    return {**os.environ, "CROWDOUT_DBT_DATABASE": str(database), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def generate(settings: Settings) -> Path:
    """Write manifest, catalog and index.html to `target_path`; return the single-file static page."""
    with tempfile.TemporaryDirectory(prefix="crowdout-docs-") as tmp:
        done = subprocess.run(_command(settings, "docs", "generate", "--static"),
                              env=_env(snapshot(settings, Path(tmp))), cwd=DBT_PROJECT_DIR, capture_output=True,
                              text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise AnalysisError(f"`dbt docs generate` failed:\n{tail}\n"
                            "Check that `crowdout refresh` succeeds (it parses and builds the same project).")
    return target_path(settings) / "static_index.html"


def serve(settings: Settings, port: int) -> int:
    """Serve `target_path` on 127.0.0.1 until interrupted or terminated; returns dbt's exit code."""
    with tempfile.TemporaryDirectory(prefix="crowdout-docs-") as tmp:
        # serve loads the profile but never connects: an empty scratch path keeps it off the real files
        cmd = _command(settings, "docs", "serve", "--port", str(port), "--host", "127.0.0.1", "--no-browser")
        server = subprocess.Popen(cmd, env=_env(Path(tmp) / "unused.duckdb"), cwd=DBT_PROJECT_DIR,
                                  start_new_session=True)

        def stop(*_) -> None:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            return server.wait()
        except KeyboardInterrupt:  # Ctrl-C reaches only this process: the server is in its own group
            stop()
            server.wait()
            raise
        finally:
            signal.signal(signal.SIGTERM, previous)
