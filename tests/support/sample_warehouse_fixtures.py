"""The sample warehouse, built once per session and copied per test (`warehouse`), for the analysis and run tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support import sample_warehouse


@pytest.fixture(scope="session")
def _built(tmp_path_factory) -> Path:
    return sample_warehouse.build(tmp_path_factory.mktemp("sample") / "crowdout.duckdb")


@pytest.fixture
def warehouse(_built, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the sample warehouse per test, published where `load_settings()` looks for it."""
    path = tmp_path / "crowdout.duckdb"
    shutil.copyfile(_built, path)
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(path))
    monkeypatch.setenv("CROWDOUT_LANDING", str(tmp_path / "landing"))
    return path
