"""`crowdout export DIR`: every mart (and the release registry) as Parquet and CSV, with a data dictionary.

All tables come through one read-only connection, so an export is one consistent snapshot even if the
warehouse is republished meanwhile (the open connection keeps reading the file it opened).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orchestration.analysis import dictionary
from orchestration.analysis.progress import Step, quiet
from orchestration.analysis.query import csv_ready
from orchestration.analysis.reader import AnalysisError, mart_tables, reading

REGISTRY = "meta.releases"


@dataclass(frozen=True)
class Exported:
    table: str
    rows: int
    parquet: Path
    csv: Path


def tables_to_export(warehouse: Path) -> list[str]:
    with reading(warehouse) as con:
        marts = mart_tables(con)
        has_registry = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema='meta' AND table_name='releases'"
        ).fetchall()[0][0]
    if not marts:
        raise AnalysisError(f"{warehouse} has no marts to export: run `crowdout refresh` first.")
    return marts + ([REGISTRY] if has_registry else [])


def export(warehouse: Path, out_dir: Path, tables: list[str], step: Step = quiet) -> list[Exported]:
    out_dir.mkdir(parents=True, exist_ok=True)
    docs = dictionary.load()
    done: list[Exported] = []
    dictionary_rows: list[dict] = []
    with reading(warehouse) as con:
        for qualified in tables:
            name = qualified.split(".", 1)[1]
            data = con.sql(f"SELECT * FROM {qualified}").to_arrow_table()
            types = dict(con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema || '.' || table_name = ? ORDER BY ordinal_position", [qualified]
            ).fetchall())
            parquet, csv = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
            pq.write_table(data, parquet)
            pacsv.write_csv(csv_ready(data), csv)
            doc = docs.get(name, dictionary.TableDoc())
            dictionary_rows += [{"table": qualified, "column": col, "type": types[col],
                                 "description": doc.columns.get(col, "")} for col in data.column_names]
            done.append(Exported(qualified, data.num_rows, parquet, csv))
            step(qualified)
    pacsv.write_csv(pa.Table.from_pylist(dictionary_rows), out_dir / "data_dictionary.csv")
    (out_dir / "data_dictionary.md").write_text(_markdown(done, dictionary_rows, docs, warehouse))
    return done


def _markdown(done: list[Exported], rows: list[dict], docs: dict, warehouse: Path) -> str:
    lines = [f"# Data dictionary\n\nExported from `{warehouse}`. Each table is here as `<table>.parquet` "
             "(types kept) and `<table>.csv` (lists joined with `;`). Shares and changes are fractions "
             "(0.14 = 14%).\n"]
    for item in done:
        name = item.table.split(".", 1)[1]
        lines.append(f"## {item.table} ({item.rows:,} rows)\n")
        if docs.get(name) and docs[name].description:
            lines.append(docs[name].description.strip() + "\n")
        lines.append("| column | type | description |\n|---|---|---|")
        lines += [f"| {r['column']} | {r['type']} | {' '.join(r['description'].split())} |"
                  for r in rows if r["table"] == item.table]
        lines.append("")
    return "\n".join(lines)
