"""The bundled sample releases, and which of their files are modelled.

A modelled file is known by its sha256, not only by the `data-basis="modelled"` link on its sample
page, so it is flagged however it reaches the warehouse: through the page, by `crowdout ingest` with a
path, or copied somewhere else first. (TRAC sample pages mark each modelled cell instead.)
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
MODELLED_MANIFEST = SAMPLES_DIR / "modelled.sha256"


@cache
def modelled_sha256s() -> frozenset[str]:
    """sha256 of every modelled sample file, from the manifest the build scripts write."""
    lines = MODELLED_MANIFEST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip())


def write_modelled_manifest(files: list[Path]) -> None:
    """`sha256sum` format, so `sha256sum -c` checks it from the samples folder."""
    lines = [f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(SAMPLES_DIR)}" for f in files]
    MODELLED_MANIFEST.write_text("\n".join(sorted(lines)) + "\n", encoding="utf-8")
