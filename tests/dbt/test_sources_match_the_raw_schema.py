"""dbt's raw sources declare the columns the connectors declare, in order, with their types and descriptions.

The raw schema has one source of truth: the `RawColumn`s each family declares in Python, from which
`warehouse.schema` creates the tables. dbt's source ymls repeat them so the docs and lineage show them;
this test fails the moment the two drift (a column added, renamed, retyped or redescribed on one side).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestration.connectors.catalog import FAMILIES

STAGING = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging"


def _source_tables() -> dict[str, list[dict]]:
    tables = {}
    for path in STAGING.rglob("_*sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            if source.get("schema") == "raw":
                tables.update({t["name"]: t.get("columns", []) for t in source["tables"]})
    return tables


def _declared() -> dict[str, list[tuple[str, str, str]]]:
    release_id = ("release_id", "varchar", "The release this row came from (meta.releases.release_id).")
    return {table: [release_id, *((c.name, c.type.lower(), " ".join(c.description.split())) for c in columns)]
            for family in FAMILIES.values() for table, columns in family.raw_tables.items()}


SOURCES = _source_tables()


def test_every_raw_source_is_a_declared_raw_table():
    assert SOURCES and set(SOURCES) <= set(_declared())


@pytest.mark.parametrize("table", sorted(SOURCES))
def test_a_raw_source_declares_the_connectors_columns(table):
    in_yml = [(c["name"], c.get("data_type"), " ".join(c.get("description", "").split())) for c in SOURCES[table]]
    assert in_yml == _declared()[table]
