"""Keep dbt_project/target from growing without end.

dagster-dbt gives every dbt invocation its own artifacts folder under the project's target
(`<op name>-<run id[:7]>-<hash>`, about 13 MB on the sample), read only while that invocation streams
its events, and never removes it. The newest few per op are kept for someone reading a failed run's
artifacts; older ones are deleted. dbt's own files at the top of target/ (the manifest the pipeline
loads, partial parse state) are never touched.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

INVOCATION = re.compile(r"^(?P<op>.+)-[0-9a-f]{7}-[0-9a-f]+$")
KEEP = 2


def prune(target: Path, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest `keep` invocation folders per op under `target`; returns what went."""
    by_op: dict[str, list[Path]] = defaultdict(list)
    for path in target.iterdir() if target.is_dir() else ():
        match = INVOCATION.match(path.name)
        if match and path.is_dir() and any((path / f).exists() for f in ("manifest.json", "run_results.json")):
            by_op[match["op"]].append(path)
    removed = []
    for folders in by_op.values():
        for old in sorted(folders, key=lambda p: p.stat().st_mtime, reverse=True)[keep:]:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed
