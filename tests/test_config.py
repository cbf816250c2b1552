"""Settings are typed, validated when read, read once per entry point and never at import (issue 20, part 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration import cli
from orchestration.config import RELEASES_TOML, SettingsError, load_settings, read_releases
from orchestration.connectors.catalog import FAMILIES
from orchestration.connectors.eousa.discover import NcdConfig
from orchestration.connectors.trac import BulletinConfig
from orchestration.defs.resources import WarehouseResource

ROOT = Path(__file__).resolve().parents[1]


def _toml(tmp_path, monkeypatch, *edits: tuple[str, str]) -> Path:
    """The shipped releases.toml with each (old, new) edit made once, in use through CROWDOUT_RELEASES_TOML."""
    text = RELEASES_TOML.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "releases.toml"
    path.write_text(text)
    monkeypatch.setenv("CROWDOUT_RELEASES_TOML", str(path))
    return path


def test_the_shipped_file_is_typed_and_each_family_by_its_own_keys():
    releases = read_releases(RELEASES_TOML)
    assert releases.http.timeout_seconds == 30 and releases.writer_lock.wait_seconds == 600
    assert set(releases.families) == set(FAMILIES)
    assert isinstance(releases.families["trac-bulletin"], BulletinConfig)
    assert isinstance(releases.families["eousa-ncd"], NcdConfig)
    assert all(isinstance(cfg, FAMILIES[name].config) for name, cfg in releases.families.items())


def test_a_typo_is_one_error_naming_the_file_the_key_and_the_problem(tmp_path, monkeypatch):
    path = _toml(tmp_path, monkeypatch,
                 ("retries = 4", "retrys = 4"),
                 ("timeout_seconds = 30 ", 'timeout_seconds = "30s" '),
                 ("keep_dumps = 2", "keep_dumps = -2"),
                 ("disk_link_text = '(?i)disk.*zip'", "disk_link_text = '(?i)disk.*zip('"),
                 ('monthly_cron = "0 6 20 * *"', 'monthly_cron = "0 6 20"'))
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{path}: 6 problems:")
    for line in ("[http] retrys: unknown key (a typo?)", "[http] retries: missing",
                 "[http] timeout_seconds: Input should be a valid number",
                 "[families.eousa-ncd] keep_dumps: Input should be greater than 0 (got -2)",
                 "[families.eousa-ncd] disk_link_text: not a valid regular expression",
                 "[automation] monthly_cron: not a cron expression of five fields"):
        assert f"\n- {line}" in message, line


def test_a_family_or_publisher_nobody_declares_is_refused(tmp_path, monkeypatch):
    path = _toml(tmp_path, monkeypatch, ("[families.cbp-sbo]", "[families.cbp-sbo-typo]"),
                 ('[families.ohss-usbp]\npublisher = "ohss"', '[families.ohss-usbp]\npublisher = "dhs"'))
    with pytest.raises(SettingsError) as raised:
        read_releases(path)
    message = str(raised.value)
    assert "[families.cbp-sbo-typo]: no such release family; known: " in message
    assert "[families.cbp-sbo]: missing" in message
    assert "[families.ohss-usbp] publisher: no [publishers.dhs] section" in message


def test_a_file_that_is_not_toml_is_named(tmp_path):
    path = tmp_path / "releases.toml"
    path.write_text("[http\n")
    with pytest.raises(SettingsError, match=rf"^{path}: not valid TOML"):
        read_releases(path)


def test_the_cli_says_it_in_one_error_and_runs_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    path = _toml(tmp_path, monkeypatch, ("wait_seconds = 600", "wait_second = 600"))
    assert cli.main(["status"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert err == (f"error: {path}: 2 problems: - [writer_lock] wait_seconds: missing - [writer_lock] wait_second: "
                   "unknown key (a typo?)")  # what to fix, no traceback hint
    assert not (tmp_path / "dagster").exists()


def test_importing_the_package_reads_no_settings():
    """In a fresh interpreter with reading settings made to fail, every module of the package imports (the
    code location included): settings are read by entry points when they run, never at import."""
    code = (
        "import pkgutil, importlib, orchestration, orchestration.config as config\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('settings read at import')\n"
        "config.load_settings = config.read_releases = refuse\n"
        "for m in pkgutil.walk_packages(orchestration.__path__, 'orchestration.'):\n"
        "    if m.name != 'orchestration.cli.__main__':\n"
        "        importlib.import_module(m.name)\n"
    )
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]


def test_a_run_reads_its_settings_once(settings, monkeypatch):
    """The warehouse resource reads the settings as the run starts and every step reuses them (it read the
    environment and releases.toml again on each call, many times a run)."""
    reads = []

    def counted(**kwargs):
        reads.append(kwargs)
        return load_settings(**kwargs)

    monkeypatch.setattr("orchestration.defs.resources.load_settings", counted)

    @dg.asset
    def first(warehouse: WarehouseResource) -> None:
        with warehouse.reading():
            pass
        assert warehouse.settings().build_warehouse == settings.build_warehouse

    @dg.asset(deps=[first])
    def second(warehouse: WarehouseResource) -> None:
        with warehouse.locked():
            assert warehouse.settings().releases.checks.min_row_ratio == 0.5

    resource = WarehouseResource(live=False)
    assert dg.materialize([first, second], resources={"warehouse": resource}).success
    assert reads == [{"live": False}]

