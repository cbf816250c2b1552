"""The landing folder: every downloaded release kept byte for byte, addressed by its sha256.

Publishers restate and replace files under the same name; keeping each distinct body forever, at a
path derived from its content, lets any load be re-run or audited against exactly what was fetched,
and makes landing the same bytes twice a no-op.
"""

from __future__ import annotations

import hashlib
import os
import re
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


def plain_name(key: str) -> str:
    """A release key (`immigration/2018-06`, `2019-09-fy`) as one plain file or folder name: anything but
    letters, digits, `.`, `-` and `_` becomes `_`, and no leading or trailing dot, so a key can name
    neither a hidden file nor `.` or `..` (the folder itself, or the one above)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip(".") or "_"


def land(tmp_path: Path, landing_root: Path, family: str, filename: str) -> LandedFile:
    """Move a downloaded temp file to `<landing_root>/<family>/<sha[:2]>/<sha>/<filename>`.

    The move is an atomic rename, so a reader never sees a half-written landed file; `tmp_path`
    should therefore live on the same filesystem (the download step writes it under the family's
    folder). If those bytes already landed under that name, the existing file is kept untouched
    and the temp file dropped. Landed files are made read-only: they are evidence, not workspace. A
    symlink on the way (a landed file or a folder replaced by a link) is refused, never followed: the
    file named as landed must be the bytes hashed, inside `landing_root`.
    """
    tmp_path = Path(tmp_path)
    if not filename or filename in {".", ".."} or "/" in filename or os.sep in filename:
        raise ValueError(f"not a plain file name: {filename!r}")
    sha = sha256_file(tmp_path)
    size = tmp_path.stat().st_size
    root = Path(landing_root)
    target = root / family / sha[:2] / sha / filename
    _refuse_links(root, target)
    if target.exists():
        tmp_path.unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp_path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp_path, target)
    return LandedFile(path=target, sha256=sha, bytes=size)


class UnsafeLanding(OSError):
    """A path under the landing folder is a symbolic link, or leads out of the folder."""


def _refuse_links(root: Path, target: Path) -> None:
    for part in [*reversed(target.relative_to(root).parents[:-1]), target.relative_to(root)]:
        if (root / part).is_symlink():
            raise UnsafeLanding(f"{root / part} is a symbolic link; crowdout lands files only in real folders "
                                f"under {root}. Remove the link and run again.")


def verify(landing_root: Path) -> list[tuple[Path, str]]:
    """Every landed file whose bytes no longer hash to the sha256 its folder names, with what it hashes to
    now (or why it cannot be read): a landed file is evidence, and one edited after loading must be found."""
    changed = []
    for path in sorted(Path(landing_root).glob("*/??/*/*")):
        sha = path.parent.name
        if path.parent.parent.name != sha[:2] or len(sha) != 64 or path.is_dir():
            continue
        try:
            now = sha256_file(path) if not path.is_symlink() else "a symbolic link"
        except OSError as exc:
            now = f"unreadable ({exc})"
        if now != sha:
            changed.append((path, now))
    return changed
