"""The dbt project as Dagster sees it, and its manifest, prepared before the definitions load.

Alone in its module (outside `defs/`, whose import builds every definition) so that
`dagster-dbt project prepare-and-package --file orchestration/dbt_manifest.py` can import it cheaply.
Importing the definitions never runs dbt: `dagster dev` prepares the manifest here (`prepare_if_dev`),
CI and packaging run `prepare-and-package`, and the `crowdout` commands that load the definitions call
`ensure_prepared` first, so a fresh clone, or a checkout whose models changed since, still loads the
graph its dbt files describe.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from filelock import FileLock

from orchestration.config import DBT_PROJECT_DIR

# What a refresh runs: every seed, model and data test. Unit tests check the SQL, not the data, so they run
# where the SQL changes (the test suite's `dbt build`, CI), not in every monthly refresh.
BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()

_SOURCE_DIRS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml")


class DbtCli(DbtCliResource):
    """Dagster's dbt resource, without the dbt adapter it opens in this process before every command.

    dagster-dbt opens one (importing dbt's adapters and parsing every macro of dbt and dbt-duckdb: about
    2.7 s, before dbt itself starts) only to fetch column and row-count metadata on request, and crowdout
    requests none: each model's row count comes from dbt's own `report_row_count` post-hook
    (`defs/dbt.py`). `tests/test_dbt_manifest.py` fails if dagster-dbt stops calling this hook.
    """

    def _initialize_dbt_core_adapter(self, args):
        return None


def _newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / name for name in _PROJECT_FILES]
    for folder in _SOURCE_DIRS:
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max((p.stat().st_mtime for p in files if p.exists()), default=0.0)


def is_current(project_dir: Path, manifest: Path) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project_dir)


def dbt_executable() -> str:
    """The dbt installed beside this Python, so a venv used without activation (cron, tests) finds its own."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def ensure_prepared() -> Path:
    """`dbt parse` into the project's target folder, as dagster-dbt's preparer does, unless the manifest
    is newer than every project file; with the dbt installed beside this Python, so a venv used without
    activation (cron, tests) still finds it. One process parses at a time (a file lock beside the target
    folder): a refresh, `crowdout status` and the daemon's code server may all start on a stale manifest,
    and two parses writing one target folder leave a manifest of neither."""
    manifest = Path(dbt_project.manifest_path)
    if is_current(Path(dbt_project.project_dir), manifest):
        return manifest
    target = Path(dbt_project.target_path)
    target.mkdir(parents=True, exist_ok=True)
    with FileLock(target.with_name(target.name + ".lock")):
        if not is_current(Path(dbt_project.project_dir), manifest):  # another process may have parsed it
            dbt = DbtCli(project_dir=dbt_project, dbt_executable=dbt_executable())
            dbt.cli(["parse", "--quiet"], target_path=target).wait()
    return manifest
