"""The landing folder: every downloaded release kept byte for byte, addressed by its sha256.

Publishers restate and replace files under the same name; keeping each distinct body forever, at a
path derived from its content, lets any load be re-run or audited against exactly what was fetched,
and makes landing the same bytes twice a no-op.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20


@dataclass(frozen=True)
class LandedFile:
    path: Path
    sha256: str
    bytes: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def land(tmp_path: Path, landing_root: Path, family: str, filename: str) -> LandedFile:
    """Move a downloaded temp file to `<landing_root>/<family>/<sha[:2]>/<sha>/<filename>`.

    The move is an atomic rename, so a reader never sees a half-written landed file; `tmp_path`
    should therefore live on the same filesystem (the download step writes it under the family's
    folder). If those bytes already landed under that name, the existing file is kept untouched
    and the temp file dropped. Landed files are made read-only: they are evidence, not workspace.
    """
    tmp_path = Path(tmp_path)
    if not filename or filename in {".", ".."} or "/" in filename or os.sep in filename:
        raise ValueError(f"not a plain file name: {filename!r}")
    sha = sha256_file(tmp_path)
    size = tmp_path.stat().st_size
    target = Path(landing_root) / family / sha[:2] / sha / filename
    if target.exists():
        tmp_path.unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp_path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp_path, target)
    return LandedFile(path=target, sha256=sha, bytes=size)
