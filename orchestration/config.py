"""Where crowdout keeps its files and which publishers it reads, from the environment and releases.toml.

Everything that differs between a laptop demo, CI and production is here, so no other module reads
environment variables. releases.toml is validated as it is read (`Releases`, with each family's section
checked against the keys its connector declares, `Family.config`), so an operator's typo is one error
naming the file, the key and the problem, before anything runs.

Settings are read by an entry point (a CLI command, the Dagster resource once per run, the code location
as it loads, the failure sensor) and passed down; nothing reads them at import time.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    ValidationError,
)

from orchestration.connectors.catalog import FAMILIES
from orchestration.connectors.http import HttpConfig
from orchestration.connectors.release import FamilyConfig

PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLE_RELEASES_DIR = PACKAGE_DIR / "samples" / "releases"
RELEASES_TOML = PACKAGE_DIR / "releases.toml"
DBT_PROJECT_DIR = PACKAGE_DIR.parent / "dbt_project"
# A team's Dagster run database; unset, runs are kept in SQLite files under DAGSTER_HOME.
POSTGRES_URL_ENV = "CROWDOUT_DAGSTER_POSTGRES_URL"


class SettingsError(ValueError):
    """releases.toml cannot be used: the message names the file and, for each problem, the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Ratio = Annotated[float, Field(ge=0, le=1)]


def _cron(value: str) -> str:
    """Five fields of cron characters; Dagster reads their meaning when the code location loads."""
    if len(value.split()) != 5 or not re.fullmatch(r"[0-9*/,\-A-Za-z ]+", value):
        raise ValueError("not a cron expression of five fields, e.g. '0 6 20 * *'")
    return value


Cron = Annotated[str, AfterValidator(_cron)]


class WriterLockConfig(_Section):
    wait_seconds: NonNegativeFloat


class ChecksConfig(_Section):
    min_row_ratio: Ratio
    warn_row_ratio: Ratio
    min_month_ratio: Ratio
    max_ncd_rejected_ratio: Ratio = 0.001


class QueryConfig(_Section):
    timeout_seconds: NonNegativeFloat
    memory_limit: str
    threads: PositiveInt
    max_temp_directory_size: str


class RecencyConfig(_Section):
    tolerance_months: NonNegativeInt = 1


class AutomationConfig(_Section):
    observe_cron: Cron
    monthly_cron: Cron
    sensor_interval_seconds: Annotated[int, Field(ge=5, le=3600)] = 30


class InstanceConfig(_Section):
    """How the Dagster instance treats runs (`crowdout instance init` writes them into dagster.yaml)."""

    run_retention_days: PositiveInt = 180
    start_timeout_seconds: PositiveInt = 180
    cancel_timeout_seconds: PositiveInt = 180
    poll_interval_seconds: PositiveInt = 60


class PublisherConfig(_Section):
    name: str  # how charts and the report name the publisher
    live: str  # its real site
    sample: str  # its folder in the bundled sample (samples/releases/<sample>)


class Releases(_Section):
    """releases.toml, typed: each section's keys are explained in the file itself."""

    http: HttpConfig
    writer_lock: WriterLockConfig
    checks: ChecksConfig
    query: QueryConfig
    recency: RecencyConfig = RecencyConfig()
    automation: AutomationConfig
    instance: InstanceConfig = InstanceConfig()
    publishers: dict[str, PublisherConfig]
    # Each validated by its family's own model (`Family.config`), in `parse_releases`.
    families: dict[str, FamilyConfig]


def _where(loc: tuple) -> str:
    """A pydantic error location as the operator finds it in the file: `[section] key`."""
    parts = [str(p) for p in loc]
    depth = 2 if parts and parts[0] in ("publishers", "families") else 1
    section, key = ".".join(parts[:depth]), ".".join(parts[depth:])
    return f"[{section}] {key}" if key else f"[{section}]"


def _problems(exc: ValidationError, prefix: tuple = ()) -> list[str]:
    out = []
    for error in exc.errors(include_url=False):
        message = {"extra_forbidden": "unknown key (a typo?)", "missing": "missing"}.get(
            error["type"], error["msg"].removeprefix("Value error, "))
        got = "" if error["type"] in ("missing", "extra_forbidden") else f" (got {error['input']!r})"
        out.append(f"{_where(prefix + tuple(error['loc']))}: {message}{got}")
    return out


def parse_releases(data: dict[str, Any], source: Path) -> Releases:
    """releases.toml's contents, validated; every problem at once, in one SettingsError naming `source`."""
    problems = []
    families = data.get("families", {})
    typed = {}
    if not isinstance(families, dict):
        problems.append("[families]: must be a table of [families.<name>] sections")
        families = {}
    for name, section in families.items():
        if name not in FAMILIES:
            problems.append(f"[families.{name}]: no such release family; known: {', '.join(FAMILIES)}")
            continue
        try:
            typed[name] = FAMILIES[name].config.model_validate(section)
        except ValidationError as exc:
            problems += _problems(exc, ("families", name))
    problems += [f"[families.{name}]: missing" for name in FAMILIES if name not in families]
    releases = None
    try:
        releases = Releases.model_validate({**data, "families": typed})
    except ValidationError as exc:
        problems += _problems(exc)
    if releases is not None:
        problems += [f"[families.{name}] publisher: no [publishers.{cfg.publisher}] section"
                     for name, cfg in releases.families.items() if cfg.publisher not in releases.publishers]
    if problems:
        raise SettingsError(f"{source}: " + ("; ".join(problems) if len(problems) == 1 else
                                             f"{len(problems)} problems:\n" + "\n".join(f"- {p}" for p in problems)))
    return releases


def read_releases(path: Path) -> Releases:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML ({exc})") from None
    return parse_releases(data, path)


def _default_data_dir() -> Path:
    """The checkout's data/ folder when run from a checkout, else data/ under the working directory."""
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").exists():
        return root / "data"
    return Path.cwd() / "data"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Paths, source mode and releases.toml for one process.

    `warehouse` is the published file analysts read; `build_warehouse` is the writer's private copy that
    loads and dbt work on before it is published atomically over `warehouse`.
    """

    warehouse: Path
    landing: Path
    live: bool = False
    releases: Releases = field(repr=False)
    alert_webhook: str | None = None
    dagster_home: Path = Path("data/dagster")
    postgres_url: str | None = field(default=None, repr=False)
    releases_file: Path = RELEASES_TOML  # CROWDOUT_RELEASES_TOML, else the bundled one

    @property
    def build_warehouse(self) -> Path:
        return self.warehouse.with_name(self.warehouse.stem + ".build.duckdb")

    @property
    def data_dir(self) -> Path:
        return self.warehouse.parent

    def publisher_base(self, publisher: str) -> str:
        """The URL prefix of a publisher: the real site with --live, else the bundled sample folder."""
        pub = self.releases.publishers[publisher]
        if self.live:
            return pub.live.rstrip("/")
        return (SAMPLE_RELEASES_DIR / pub.sample).as_uri()

    def family(self, name: str) -> FamilyConfig:
        return self.releases.families[name]


def load_settings(*, live: bool | None = None) -> Settings:
    """The settings of this process, read now: call it once, in an entry point, and pass the result down."""
    data = _default_data_dir()
    warehouse = Path(os.environ.get("CROWDOUT_WAREHOUSE", data / "crowdout.duckdb")).expanduser().resolve()
    landing = Path(os.environ.get("CROWDOUT_LANDING", data / "landing")).expanduser().resolve()
    if live is None:
        live = os.environ.get("CROWDOUT_SOURCES", "sample").lower() == "live"
    releases_file = Path(os.environ.get("CROWDOUT_RELEASES_TOML", RELEASES_TOML)).expanduser().resolve()
    # One persistent Dagster instance by default, beside the warehouse, so the UI shows what the CLI did.
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or warehouse.parent / "dagster").expanduser().resolve()
    return Settings(
        warehouse=warehouse,
        landing=landing,
        live=live,
        releases=read_releases(releases_file),
        alert_webhook=os.environ.get("CROWDOUT_ALERT_WEBHOOK") or None,
        dagster_home=dagster_home,
        postgres_url=os.environ.get(POSTGRES_URL_ENV) or None,
        releases_file=releases_file,
    )
