"""Fetching an NCD dump: every disk downloaded (resumably) and landed, the release landed as a manifest.

Landing: every disk zip lands content-addressed like any release file; the release itself lands as a
small JSON manifest naming its disks by sha256 and size, so a release's identity is its set of disks.
Zips are large, so only the disks of the newest `keep_dumps` releases are kept (releases.toml);
manifests, the loaded columns and each zip's sha256 and size (raw.eousa_ncd_disks) are kept forever.

A local folder (`crowdout ingest eousa-ncd DIR`) is read as given and no further: a symbolic link whose
target lies outside the folder is refused, never followed, so a folder cannot carry /etc/shadow or
another user's private file into the (world-readable) landing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from orchestration.connectors import http, landing
from orchestration.connectors.eousa.discover import NcdConfig, anchors
from orchestration.connectors.eousa.disks import MANIFEST_FORMAT
from orchestration.connectors.release import ParseError, ReleaseRef


def _inside(path: Path, root: Path, ref: ReleaseRef) -> Path:
    """`path`, if it and whatever it links to stay inside `root`; else the release is refused."""
    if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
        raise ParseError(ref, f"{path} is a symbolic link to {os.readlink(path)}, outside {root}; "
                              "links out of the release folder are never followed")
    return path


def _disk_sources(session, ref: ReleaseRef, cfg: NcdConfig, base_url: str) -> list[tuple[str, str | Path]]:
    """(name, url or local Path) of each disk: links on a release page, or the zips and unpacked disk
    folders in a local directory (`crowdout ingest eousa-ncd DIR`). Only the second are Paths: a link is
    always fetched, never opened as a file."""
    local = http.local_path(ref.url)
    if local is not None and local.is_dir() and not (local / "index.html").exists():
        items = [_inside(p, local, ref) for p in sorted(local.iterdir())]
        entries = [p for p in items
                   if (p.is_file() and p.suffix.lower() == ".zip")
                   or (p.is_dir() and any(_inside(q, local, ref).name.upper() == "README.TXT" for q in p.iterdir()))]
        if not entries:
            raise ParseError(ref, f"{local} holds no disk zips and no unpacked disk folders")
        return [(p.name if p.is_file() else p.name + ".zip", p) for p in entries]
    html = http.get_page(session, ref.url, ref)
    links = anchors(html, ref.url, base_url, cfg.disk_link_text)
    if not links:
        raise ParseError(ref, f"the release page has no link whose text matches {cfg.disk_link_text!r}")
    return [(disk_name(url, text), url) for url, text, _ in links]


def disk_name(url: str, text: str) -> str:
    """The zip's name in its URL, or (DOJ serves files as .../file/<n>/download) one from the link
    text: "September 2019 Disk 1 (zip)" -> DISK01.ZIP."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    if name.lower().endswith(".zip"):
        return name
    m = re.search(r"(?i)disk\s*0*(\d+)", text)
    if not m:
        raise ParseError(url, f"cannot name the disk behind link {text!r}")
    return f"DISK{int(m.group(1)):02d}.ZIP"


def _zip_folder(folder: Path, out: Path, root: Path, ref: ReleaseRef) -> None:
    """An unpacked disk is landed as the zip it came from would be (stored, not recompressed)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for item in sorted(folder.iterdir()):
            if _inside(item, root, ref).is_file():
                zf.write(item, item.name)


def fetch(
    session: requests.Session, ref: ReleaseRef, dest_dir: Path, *, http_cfg: http.HttpConfig, family_cfg: NcdConfig
) -> http.Download:
    """Download (resumably) and land every disk of a release; hand back its manifest as the release file.

    A dump is a month-end snapshot, so a disk landed by an earlier run of the same release (its
    `_partial/<key>/<disk>.landed.json` marker, kept) and still in the landing folder is not fetched
    again: a refresh that finds the same dump costs one page, not 20 GB. After landing, zips that no
    manifest among the newest `keep_dumps` needs are deleted (see module docstring).
    """
    base_url = ref.params.get("base") or f"{urlsplit(ref.url).scheme}://{urlsplit(ref.url).netloc}"
    sources = _disk_sources(session, ref, family_cfg, base_url)
    partial = dest_dir / "_partial" / landing.plain_name(ref.key)
    partial.mkdir(parents=True, exist_ok=True)
    cfg = http_cfg.model_copy(update={"max_bytes": family_cfg.max_disk_bytes})
    entries = []
    for name, source in sources:
        marker = partial / f"{name}.landed.json"
        if marker.exists():
            done = json.loads(marker.read_text(encoding="utf-8"))
            landed_path = dest_dir / done["sha256"][:2] / done["sha256"] / name
            if landed_path.exists() and landed_path.stat().st_size == done["bytes"]:
                entries.append({"name": name, "sha256": done["sha256"], "bytes": done["bytes"]})
                continue
        part = partial / f"{name}.part"
        if isinstance(source, Path) and source.is_dir():
            _zip_folder(source, part, source.parent, ref)
        elif isinstance(source, Path):
            shutil.copyfile(source, part)
        else:
            http.download_resumable(
                session, source, part, f"{ref} {name}", http_cfg=cfg,
                expected_content_types=family_cfg.content_types,
            )
        landed = landing.land(part, dest_dir.parent, dest_dir.name, name)
        marker.write_text(json.dumps({"sha256": landed.sha256, "bytes": landed.bytes}), encoding="utf-8")
        entries.append({"name": name, "sha256": landed.sha256, "bytes": landed.bytes})
    body = json.dumps({"format": MANIFEST_FORMAT, "disks": entries}, indent=1, sort_keys=True).encode()
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".manifest-", suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    prune(dest_dir, keep=family_cfg.keep_dumps, current={e["sha256"] for e in entries})
    return http.Download(
        url=ref.url, status="downloaded", path=Path(tmp), sha256=hashlib.sha256(body).hexdigest(),
        bytes=len(body), etag=None, last_modified=None, content_type="application/json", http_status=200,
    )


def prune(family_dir: Path, *, keep: int, current: set[str]) -> list[Path]:
    """Delete disk zips that neither the release being fetched nor the newest `keep - 1` landed
    manifests name. Manifests are never deleted, so each dump's disks stay known by sha256 and size.
    Returns the zips deleted."""
    manifests = []
    for path in family_dir.glob("??/*/*"):
        if path.is_file() and not path.name.lower().endswith(".zip"):
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(body, dict) and body.get("format") == MANIFEST_FORMAT:
                manifests.append((path.stat().st_mtime, {d["sha256"] for d in body["disks"]}))
    manifests.sort(key=lambda m: m[0], reverse=True)
    wanted = set(current)
    for _, shas in [m for m in manifests if m[1] != current][: max(keep - 1, 0)]:
        wanted |= shas
    deleted = []
    for zpath in family_dir.glob("??/*/*"):
        if zpath.is_file() and zpath.name.lower().endswith(".zip") and zpath.parent.name not in wanted:
            zpath.unlink()
            deleted.append(zpath)
    return deleted
