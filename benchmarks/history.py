"""Longer histories in the publishers' real formats, for benchmarks that ask how cost grows with history.

CBP's files are cumulative: every release restates all fiscal years so far, so k times the history is k
times the rows of each CSV, with the real header, quoting and line endings. The sample's four fiscal
years (FY2020-FY2023) are repeated backwards, four years at a time. TRAC and OHSS are left as bundled:
TRAC's months are bounded by the Dagster partitions (from October 2016), and the OHSS workbook already
reaches back to FY2000.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from orchestration.config import RELEASES_TOML, SAMPLE_RELEASES_DIR

CBP_SITE = "www.cbp.gov"
CBP_FILES = "sites/default/files/assets/documents/2023-Nov"
YEARS_PER_FILE = 4


def _scaled(data: bytes, factor: int, new_month: bool) -> bytes:
    """The file with `factor` times its fiscal years; with `new_month`, October of the next fiscal year
    too (September's rows of the last year, relabelled), as CBP's next monthly release would add."""
    header, _, body = data.partition(b"\n")
    lines = body.splitlines(keepends=True)
    out = [header + b"\n", *lines]
    for shift in range(1, factor):
        out += [str(int(line[:4]) - YEARS_PER_FILE * shift).encode() + line[4:] for line in lines]
    if new_month:
        last = max(int(line[:4]) for line in lines)
        out += [
            str(last + 1).encode() + line[4:].replace(b",SEP,", b",OCT,", 1)
            for line in lines if line.startswith(str(last).encode()) and b",SEP," in line
        ]
    return b"".join(out)


def make_site(root: Path, factor: int, *, new_month: bool = False) -> Path:
    """A releases.toml whose CBP publisher is a copy of the sample site with scaled files; returns its path."""
    site = root / CBP_SITE
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(SAMPLE_RELEASES_DIR / CBP_SITE, site)
    for csv in sorted((site / CBP_FILES).glob("*.csv")):
        csv.write_bytes(_scaled((SAMPLE_RELEASES_DIR / CBP_SITE / CBP_FILES / csv.name).read_bytes(), factor, new_month))
    toml = root / "releases.toml"
    text = RELEASES_TOML.read_text()
    assert f'sample = "{CBP_SITE}"' in text
    text = text.replace(f'sample = "{CBP_SITE}"', f'sample = "{site}"')
    # At 100x the state file is 275 MB, past the 200 MiB guard against runaway downloads; lift it.
    toml.write_text(re.sub(r"(?m)^max_bytes = .*$", "max_bytes = 4_294_967_296", text))
    return toml


def sample_rows() -> int:
    """Data rows of the bundled CBP files, the unit the scale factors multiply."""
    return sum(p.read_bytes().count(b"\n") - 1 for p in (SAMPLE_RELEASES_DIR / CBP_SITE / CBP_FILES).glob("*.csv"))
