"""The warehouse as a Dagster resource: the one place a run takes the writer lock, connects to the build
warehouse, runs dbt on it and publishes it.

Paths come from the settings, read once per run as the run starts (CROWDOUT_WAREHOUSE / CROWDOUT_LANDING,
releases.toml), not when the code location loads, so tests and `crowdout refresh` point a run at their own
files. dbt reaches the build warehouse through the project's profile, which reads CROWDOUT_DBT_DATABASE
(set only while dbt starts).
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from orchestration.config import DBT_PROJECT_DIR, Settings, load_settings
from orchestration.dbt_manifest import DbtCli, dbt_project
from orchestration.warehouse import ingest, observe
from orchestration.warehouse.lock import build_lock
from orchestration.warehouse.publish import Changes, changes, publish, seed_build

DBT_DATABASE_ENV = "CROWDOUT_DBT_DATABASE"  # dbt_project/profiles.yml reads the build path from it


class WarehouseResource(ConfigurableResource):
    """Where this run reads releases from and writes the warehouse.

    `live` (run config, e.g. `crowdout refresh --live`) reads the publishers' real sites; unset,
    CROWDOUT_SOURCES decides.
    """

    live: bool | None = None
    # `crowdout refresh --allow-shrink`: publish even if analysts would lose months, rows or releases.
    allow_shrink: bool = False
    _settings: Settings | None = PrivateAttr(default=None)
    # The `dbt parse` a run starts beside its ingest steps (parse_ahead), until the dbt step waits for it.
    _parse: Any = PrivateAttr(default=None)

    def settings(self) -> Settings:
        """This run's settings, read once as the run starts (Dagster sets up a copy of the resource per
        run); outside a run, read once by this resource object."""
        if self._settings is None:
            self._settings = load_settings(live=self.live)
        return self._settings

    def _lock(self):
        return build_lock(self.settings())

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator[WarehouseResource]:
        """Read the settings, and hold the writer lock for the whole run: the in-process executor sets the
        resource up once per run, so ingest, dbt and the publish are one writer, and a `crowdout ingest` by
        hand waits for the run (or fails, naming it) instead of landing between the dbt build and the
        publish, loaded but not in the marts it publishes. The steps' own lock blocks re-enter it."""
        self._settings = load_settings(live=self.live)
        with self._lock():
            build = self._settings.build_warehouse
            repaired = seed_build(build, self._settings.warehouse) if build.exists() else None
            if repaired and context.log:  # a build file set aside loses what only it held: the run log says so
                context.log.warning(repaired)
            self._parse = self.parse_ahead(context.dagster_run)
            try:
                yield self
            finally:
                if self._parse is not None and self._parse.process.poll() is None:  # the run ended before dbt
                    self._parse.process.terminate()
                    self._parse.process.wait()
                self._parse = None

    def parse_ahead(self, run) -> Any:
        """`dbt parse` into this warehouse's dbt target, started now and left running beside the ingest steps,
        when this run builds the dbt models and the target holds no parse yet (the first build of this
        warehouse). dbt's partial parse is keyed to the profile, whose path is this warehouse's, so
        without it that first `dbt build` parses the whole project itself, seconds spent after ingestion
        instead of beside it. `dbt parse` never opens the warehouse, so the ingest steps write on."""
        from orchestration.defs.dbt import DBT_STEP, dbt_models

        if run is None or (run.step_keys_to_execute is not None and DBT_STEP not in run.step_keys_to_execute):
            return None
        if run.asset_selection is not None and not run.asset_selection & set(dbt_models.keys):
            return None
        if (self.dbt_target_path() / "partial_parse.msgpack").exists():
            return None
        with self.dbt_database():
            return self.dbt().cli(["parse", "--quiet"], raise_on_error=False, target_path=self.dbt_target_path())

    def parsed(self) -> None:
        """Wait for the parse this run started, if any: dbt must not read a parse file half written. A
        failed parse is not reported here; the build that follows reports the same error."""
        if self._parse is not None:
            self._parse.wait()
            self._parse = None

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The build warehouse, read-write, its schema in place, under the writer lock."""
        settings = self.settings()
        with self._lock():
            con = ingest.connect_build(settings)
            try:
                yield con
            finally:
                con.close()

    @contextmanager
    def locked(self) -> Iterator[Path]:
        """The writer lock alone, for a writer that opens the file itself (dbt)."""
        with self._lock():
            yield self.settings().build_warehouse

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """The build warehouse read-only under the writer lock, or None before anything was loaded."""
        settings = self.settings()
        with self._lock():
            if not settings.build_warehouse.exists():
                yield None
                return
            con = duckdb.connect(str(settings.build_warehouse), read_only=True)
            try:
                yield con
            finally:
                con.close()

    def observe(self, family: str) -> observe.Observation:
        with self.reading() as con:
            return observe.observe_family(self.settings(), family, con)

    def publish(self, run_id: str) -> Path:
        settings = self.settings()
        with self._lock():
            return publish(settings.build_warehouse, settings.warehouse, allow_shrink=self.allow_shrink,
                           run_id=run_id)

    def changes(self) -> Changes:
        """What publishing the build now would add to or withdraw from what analysts read."""
        settings = self.settings()
        with self._lock():
            return changes(settings.build_warehouse, settings.warehouse)

    def dbt(self) -> DbtCli:
        """The dbt CLI with the project's own profile, through `crowdout-dbt` (dies with its parent)."""
        return DbtCli(
            project_dir=dbt_project,
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=str(Path(sys.executable).with_name("crowdout-dbt")),
        )

    @contextmanager
    def dbt_database(self) -> Iterator[Path]:
        """The build warehouse as CROWDOUT_DBT_DATABASE for a dbt process started inside the block (dbt's
        resource hands the environment to dbt when it starts it). dbt_project/profiles.yml reads the path
        from it, as shipped: no profile is written per run, so dbt's partial parse survives between runs."""
        build = self.settings().build_warehouse
        before = os.environ.get(DBT_DATABASE_ENV)
        os.environ[DBT_DATABASE_ENV] = str(build)
        try:
            yield build
        finally:
            if before is None:
                os.environ.pop(DBT_DATABASE_ENV, None)
            else:
                os.environ[DBT_DATABASE_ENV] = before

    def dbt_target_path(self) -> Path:
        """dbt's target folder for this warehouse, kept between runs so dbt reuses its partial parse."""
        return self.settings().data_dir / "dbt-target"


RESOURCES = {"warehouse": WarehouseResource()}
