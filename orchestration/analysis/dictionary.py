"""Table and column descriptions as the dbt project documents them, for the exported data dictionary.

The compiled manifest (dbt_project/target/manifest.json) is preferred because dbt has already resolved
`{{ doc() }}` blocks there; without it (no `dbt parse` yet) the model and source yml files are read as
they are, with `{{ doc('name') }}` filled in from the project's `{% docs %}` blocks. Either way
descriptions are keyed by table name, which dbt keeps unique across the project.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from orchestration.config import DBT_PROJECT_DIR


@dataclass
class TableDoc:
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)


def _from_manifest(manifest: Path) -> dict[str, TableDoc]:
    data = json.loads(manifest.read_text())
    docs: dict[str, TableDoc] = {}
    for node in [*data.get("nodes", {}).values(), *data.get("sources", {}).values()]:
        if node.get("resource_type") not in ("model", "seed", "source"):
            continue
        name = node.get("alias") or node.get("identifier") or node["name"]
        docs[name] = TableDoc(node.get("description", ""),
                              {c: v.get("description", "") for c, v in node.get("columns", {}).items()})
    return docs


DOCS_BLOCK = re.compile(r"{%-?\s*docs\s+(\w+)\s*-?%}(.*?){%-?\s*enddocs\s*-?%}", re.S)
DOC_REF = re.compile(r"{{\s*doc\(\s*['\"](\w+)['\"]\s*\)\s*}}")


def _doc_blocks(project: Path) -> dict[str, str]:
    return {m.group(1): m.group(2).strip() for path in sorted(project.glob("**/*.md"))
            for m in DOCS_BLOCK.finditer(path.read_text())}


def _from_yaml(project: Path) -> dict[str, TableDoc]:
    blocks = _doc_blocks(project)

    def text(entry: dict) -> str:
        return DOC_REF.sub(lambda m: blocks.get(m.group(1), m.group(0)), entry.get("description") or "")

    docs: dict[str, TableDoc] = {}
    for path in sorted([*project.glob("models/**/*.yml"), *project.glob("seeds/**/*.yml")]):
        spec = yaml.safe_load(path.read_text()) or {}
        entries = [*spec.get("models", []), *spec.get("seeds", [])]
        entries += [t for src in spec.get("sources", []) for t in src.get("tables", [])]
        for entry in entries:
            docs[entry.get("identifier") or entry["name"]] = TableDoc(
                text(entry), {c["name"]: text(c) for c in entry.get("columns", [])})
    return docs


def load(project: Path = DBT_PROJECT_DIR) -> dict[str, TableDoc]:
    manifest = project / "target" / "manifest.json"
    return _from_manifest(manifest) if manifest.exists() else _from_yaml(project)
