"""`crowdout export`: every mart round-trips through Parquet and CSV, with a complete data dictionary."""

from __future__ import annotations

import json

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration import cli
from orchestration.analysis import dictionary


def test_every_table_round_trips_its_rows(warehouse, tmp_path):
    out = tmp_path / "export"
    assert cli.main(["export", str(out)]) == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema = 'marts' OR (table_schema = 'meta' AND table_name = 'releases')").fetchall()]
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
        columns = {t: [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall()] for t in tables}
    finally:
        con.close()
    assert len(tables) == 10
    for table, rows in counts.items():
        name = table.split(".")[1]
        parquet = pq.read_table(out / f"{name}.parquet")
        assert parquet.num_rows == rows and parquet.column_names == columns[table]
        assert pacsv.read_csv(out / f"{name}.csv").num_rows == rows
    dictionary_rows = pacsv.read_csv(out / "data_dictionary.csv").to_pylist()
    assert {(r["table"], r["column"]) for r in dictionary_rows} == {(t, c) for t in tables for c in columns[t]}
    assert {r["type"] for r in dictionary_rows if r["column"] == "release_ids"} == {"VARCHAR[]"}
    assert "## marts.fct_displacement_district_month (240 rows)" in (out / "data_dictionary.md").read_text()


def test_export_without_marts_says_run_refresh(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(empty))
    assert cli.main(["export", str(tmp_path / "out")]) == 1
    assert "crowdout refresh" in capsys.readouterr().err


def test_descriptions_from_yaml_fill_doc_blocks(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "docs.md").write_text("{% docs share %}\nnon-immigration / total\n{% enddocs %}\n")
    (tmp_path / "models" / "m.yml").write_text(
        "version: 2\nmodels:\n  - name: fct_x\n    description: the table\n    columns:\n"
        "      - name: share\n        description: \"{{ doc('share') }} (a fraction)\"\n")
    docs = dictionary.load(tmp_path)
    assert docs["fct_x"].description == "the table"
    assert docs["fct_x"].columns["share"] == "non-immigration / total (a fraction)"


def test_descriptions_prefer_the_manifest(tmp_path):
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text(json.dumps({"nodes": {"model.p.fct_x": {
        "resource_type": "model", "name": "fct_x", "alias": "fct_x", "description": "compiled",
        "columns": {"share": {"description": "resolved"}}}}, "sources": {}}))
    assert dictionary.load(tmp_path)["fct_x"].columns == {"share": "resolved"}


def test_the_project_documents_the_displacement_mart():
    docs = dictionary.load()
    mart = docs.get("fct_displacement_district_month")
    assert mart is not None and mart.description
    assert "{{" not in mart.columns["missing_non_immigration"] and mart.columns["missing_non_immigration"]
