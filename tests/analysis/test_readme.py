"""The README's analyst section works as written: every SQL block and every `crowdout` command in it
runs on a warehouse with the marts' shape and returns rows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from orchestration import cli
from orchestration.analysis import query

README = Path(__file__).resolve().parents[2] / "README.md"


def _analyst_section() -> str:
    text = README.read_text()
    return text[text.index("## For analysts"):text.index("## For ops teams")]


def test_every_sql_block_runs(warehouse):
    blocks = re.findall(r"```sql\n(.*?)```", _analyst_section(), re.S)
    assert len(blocks) >= 4
    for sql in blocks:
        assert query.run(warehouse, sql).num_rows > 0, sql


def test_every_crowdout_command_runs(warehouse, capsys):
    commands = [shlex.split(block) for block in re.findall(r"```bash\n(.*?)```", _analyst_section(), re.S)]
    commands = [c for c in commands if c and c[0] == "crowdout"]
    assert {c[1] for c in commands} >= {"metrics", "query"}
    for command in commands:
        assert cli.main(command[1:]) == 0, command
        assert capsys.readouterr().out.strip()
