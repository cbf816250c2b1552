"""dbt_project/target keeps only the newest invocation folders per op, and nothing else is touched."""

from __future__ import annotations

import os

from orchestration import dbt_target


def _invocation(target, name, age_s):
    folder = target / name
    folder.mkdir()
    (folder / "manifest.json").write_text("{}")
    os.utime(folder, (1_000_000 - age_s, 1_000_000 - age_s))
    return folder


def test_keeps_the_newest_per_op_and_dbts_own_files(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text("{}")  # the pipeline's manifest
    (target / "compiled").mkdir()
    old = [_invocation(target, f"dbt_models-{i:07x}-abc123", 100 + i) for i in range(3)]
    facts = _invocation(target, "dbt_monthly_facts-00000aa-ff00", 500)
    notes = target / "notes-0000000-1"
    notes.mkdir()  # looks like one, holds no dbt artifacts: not ours to delete

    removed = dbt_target.prune(target, keep=2)
    assert removed == [old[2]]
    assert all(p.exists() for p in (old[0], old[1], facts, notes, target / "manifest.json", target / "compiled"))
    assert dbt_target.prune(tmp_path / "missing") == []
