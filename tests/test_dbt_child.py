"""`crowdout-dbt --version` answers for dbt without starting it, and says what dbt itself would."""

import re
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _installed(argv: list[str]) -> str:
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return re.search(r"installed:\s*(\d+\.\d+\.\d+)", output).group(1)


def test_version_is_the_one_dbt_reports():
    assert _installed([str(BIN / "crowdout-dbt"), "--version"]) == _installed([str(BIN / "dbt"), "--version"])


def test_any_other_command_reaches_dbt(tmp_path):
    result = subprocess.run([str(BIN / "crowdout-dbt"), "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert "Usage: dbt" in result.stdout
