"""Has a publisher put out anything new? The question a release sensor asks on every tick.

A release is identified by what was seen of it last time: ETag and Last-Modified (so an unchanged file
costs one conditional request) and the sha256 of its bytes (so a server that sends neither, or a file
re-uploaded unchanged, is still recognised). A URL never seen is new; a known URL with other bytes is
restated, which CBP does every month to its rolling files. Nothing is loaded here: the run that the
sensor asks for does the loading, through the same pipeline as every other run.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration import ingest
from orchestration.config import Settings
from orchestration.sources import http
from orchestration.sources.release import FetchError, NotPublished, ReleaseError, ReleaseRef


@dataclass(frozen=True)
class Change:
    ref: ReleaseRef
    kind: str  # "new" | "restated"
    sha256: str


@dataclass
class Watch:
    """A tick's findings; `seen` (URL -> etag, last_modified, sha256) is the sensor's next cursor."""

    changes: list[Change] = field(default_factory=list)
    seen: dict[str, dict] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def watch(
    settings: Settings,
    families: list[str],
    seen: dict[str, dict],
    *,
    months: dict[str, list[date]] | None = None,
) -> Watch:
    """Look at every release the families offer now; `months` narrows month-addressed families (TRAC).

    A page or file that cannot be fetched is reported in `errors` and left as it was in `seen`, so the
    next tick tries again instead of mistaking it for new.
    """
    session = http.make_session(settings.releases["http"])
    result = Watch(seen=dict(seen))
    with tempfile.TemporaryDirectory(prefix="crowdout-watch-") as tmp:
        for family in families:
            try:
                refs = ingest.discover(settings, session, family, months=(months or {}).get(family))
            except ReleaseError as exc:
                result.errors.append(str(exc))
                continue
            for ref in refs:
                _look(session, settings, ref, Path(tmp), result)
    return result


def _look(session, settings: Settings, ref: ReleaseRef, tmp: Path, result: Watch) -> None:
    before = result.seen.get(ref.url) or {}
    try:
        dl = http.download(
            session, ref, tmp, http_cfg=settings.releases["http"],
            etag=before.get("etag"), last_modified=before.get("last_modified"),
        )
    except NotPublished:
        return
    except FetchError as exc:
        result.errors.append(str(exc))
        return
    if dl.status == "not_modified":
        return
    dl.path.unlink(missing_ok=True)
    result.seen[ref.url] = {"etag": dl.etag, "last_modified": dl.last_modified, "sha256": dl.sha256}
    if dl.sha256 != before.get("sha256"):
        result.changes.append(Change(ref, "restated" if before else "new", dl.sha256))
