"""dbt's manifest.json, rebuilt when it is missing or older than the dbt project's own files.

Dagster reads the dbt graph from the manifest when the definitions are imported. `dagster dev` rebuilds it
(DbtProject.prepare_if_dev), nothing else does: the CLI, the tests, `dagster-webserver` and
`dagster asset materialize` all go through this one function so a fresh clone or an edited model never
loads a stale graph.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.config import DBT_PROJECT_DIR

_SOURCE_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "selectors.yml")


def _newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / name for name in _PROJECT_FILES]
    for folder in _SOURCE_DIRS:
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max((p.stat().st_mtime for p in files if p.exists()), default=0.0)


def _is_current(manifest: Path, project_dir: Path, database: Path) -> bool:
    stamp = manifest.with_name(".parsed_for")
    return (
        manifest.exists()
        and manifest.stat().st_mtime >= _newest_source_mtime(project_dir)
        and stamp.exists() and stamp.read_text() == str(database)
    )


def dbt_executable() -> str:
    """The dbt installed beside this Python, so a venv that is not on PATH still finds its own dbt."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def ensure_manifest(database: Path, project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """Run `dbt parse` unless target/manifest.json is newer than every project file and was parsed for
    `database`, the build warehouse the runs will use.

    dbt keys its partial-parse cache on the profile, which holds that path: parsing against the same path
    lets each run's `dbt build` reuse the parse instead of redoing it (about 8 s per dbt invocation).
    A lock file serialises concurrent callers (a test and the webserver it starts, say), and the second
    one re-checks after waiting, so the project is parsed once.
    """
    target = project_dir / "target"
    manifest = target / "manifest.json"
    if _is_current(manifest, project_dir, database):
        return manifest
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_current(manifest, project_dir, database):
            return manifest
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "CROWDOUT_DBT_DATABASE": str(database)}
        proc = subprocess.run(
            [dbt_executable(), "parse", "--quiet", "--project-dir", str(project_dir),
             "--profiles-dir", str(project_dir)],
            cwd=project_dir, env=env, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"dbt parse failed in {project_dir} (exit {proc.returncode}):\n"
                + (proc.stdout + proc.stderr)[-4000:]
            )
        manifest.with_name(".parsed_for").write_text(str(database))
    return manifest
