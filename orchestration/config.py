"""Where crowdout keeps its files and which publishers it reads, from the environment.

Everything that differs between a laptop demo, CI and production is here, so no other module reads
environment variables.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLE_RELEASES_DIR = PACKAGE_DIR / "samples" / "releases"
RELEASES_TOML = PACKAGE_DIR / "releases.toml"
DBT_PROJECT_DIR = PACKAGE_DIR.parent / "dbt_project"
# A team's Dagster run database; unset, runs are kept in SQLite files under DAGSTER_HOME.
POSTGRES_URL_ENV = "CROWDOUT_DAGSTER_POSTGRES_URL"


def _default_data_dir() -> Path:
    """The checkout's data/ folder when run from a checkout, else data/ under the working directory."""
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").exists():
        return root / "data"
    return Path.cwd() / "data"


@dataclass(frozen=True)
class Settings:
    """Paths and source mode for one process.

    `warehouse` is the published file analysts read; `build_warehouse` is the writer's private copy that
    loads and dbt work on before it is published atomically over `warehouse`.
    """

    warehouse: Path
    landing: Path
    live: bool = False
    releases: dict = field(default_factory=dict, repr=False)
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
        pub = self.releases["publishers"][publisher]
        if self.live:
            return pub["live"].rstrip("/")
        return (SAMPLE_RELEASES_DIR / pub["sample"]).as_uri()

    def family(self, name: str) -> dict:
        return self.releases["families"][name]


def load_settings(*, live: bool | None = None) -> Settings:
    data = _default_data_dir()
    warehouse = Path(os.environ.get("CROWDOUT_WAREHOUSE", data / "crowdout.duckdb")).expanduser().resolve()
    landing = Path(os.environ.get("CROWDOUT_LANDING", data / "landing")).expanduser().resolve()
    if live is None:
        live = os.environ.get("CROWDOUT_SOURCES", "sample").lower() == "live"
    releases_file = Path(os.environ.get("CROWDOUT_RELEASES_TOML", RELEASES_TOML))
    with releases_file.open("rb") as fh:
        releases = tomllib.load(fh)
    # One persistent Dagster instance by default, beside the warehouse, so the UI shows what the CLI did.
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or warehouse.parent / "dagster").expanduser().resolve()
    return Settings(
        warehouse=warehouse,
        landing=landing,
        live=live,
        releases=releases,
        alert_webhook=os.environ.get("CROWDOUT_ALERT_WEBHOOK") or None,
        dagster_home=dagster_home,
        postgres_url=os.environ.get(POSTGRES_URL_ENV) or None,
        releases_file=releases_file.expanduser().resolve(),
    )
