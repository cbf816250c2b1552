"""dbt in this process on a build warehouse, for the tests of the dbt project: the project's own profile, as
shipped, pointed at `<folder>/crowdout.build.duckdb`.

dbt parses the whole project before any command (about 3 s) unless its target folder holds a parse made
with the same profile. The profile reads the warehouse from CROWDOUT_DBT_DATABASE, and dbt keys its
partial parse to that variable's value: here it is the same relative name in every test, read from the
test's own folder, so one parse, made once per process, serves every test's target folder.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

from orchestration.config import DBT_PROJECT_DIR
from orchestration.defs.resources import DBT_DATABASE_ENV

DATABASE = "crowdout.build.duckdb"  # in the folder the test passes


def _invoke(folder: Path, *args: str):
    from dbt.cli.main import dbtRunner

    cwd, before = os.getcwd(), os.environ.get(DBT_DATABASE_ENV)
    os.chdir(folder)
    os.environ[DBT_DATABASE_ENV] = DATABASE
    try:
        return dbtRunner().invoke([
            *args,
            "--project-dir", str(DBT_PROJECT_DIR),
            "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(folder / "target"),
            "--log-path", str(folder / "logs"),
        ])
    finally:
        _close_duckdb()
        os.chdir(cwd)
        if before is None:
            os.environ.pop(DBT_DATABASE_ENV, None)
        else:
            os.environ[DBT_DATABASE_ENV] = before


def _close_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB connection open in the process for the next command with the same
    profile, and every test's profile is the same: it is closed after each command, so the next one opens
    its own test's file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    try:
        environment = DuckDBConnectionManager.env()
    except Exception:  # no command opened one (parse, compile of nothing)
        return
    environment.close()
    DuckDBConnectionManager.close_all_connections()


@functools.cache
def _parsed() -> Path:
    """The project parsed once for this process (dbt parse opens no warehouse)."""
    folder = Path(tempfile.mkdtemp(prefix="crowdout-dbt-parse-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    result = _invoke(folder, "parse", "--quiet")
    assert result.success, f"dbt parse failed: {result.exception}"
    return folder / "target" / "partial_parse.msgpack"


def dbt(folder: Path, *args: str, check: bool = True):
    """dbt in process on `folder`/crowdout.build.duckdb, with `folder`/target as its target folder."""
    target = folder / "target" / "partial_parse.msgpack"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_parsed(), target)
    result = _invoke(folder, *args)
    assert result.success or not check, f"dbt {' '.join(args)} failed: {result.exception or result.result}"
    return result
