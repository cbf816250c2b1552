"""Has a publisher put out anything the warehouse does not hold yet? One family's answer, as a data version.

A release's version is what identifies its bytes most cheaply: the publisher's ETag, else its
Last-Modified (one HEAD request), else the sha256 of the bytes themselves (file:// samples, and servers
that send neither). A family's data version is the digest of every release it offers with its version,
so Dagster sees a new data version exactly when a release appears or changes. A family that never
restates (TRAC's month pages, EOUSA's dump pages) is not asked again for a URL already loaded: its
version is the sha256 loaded. Nothing is loaded here; the ingest step does that through `ingest`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Mapping

import duckdb
import requests

from orchestration.config import Settings
from orchestration.connectors import http
from orchestration.connectors.catalog import get_family
from orchestration.connectors.release import FetchError, PublisherUnreachable, ReleaseError, ReleaseRef
from orchestration.warehouse import ingest


@dataclass(frozen=True)
class Observation:
    """What one family offers now: each release URL with its version, the URLs whose version the
    warehouse does not hold (new or restated), those of them the warehouse holds under another version
    (restated: the publisher replaced the file at the same URL), the releases that could not be looked
    at, and the family's releases withdrawn in the warehouse."""

    family: str
    versions: Mapping[str, str]
    unknown: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    restated: tuple[str, ...] = ()
    withdrawn: tuple[str, ...] = ()

    def found(self) -> str:
        """What is not held yet, in words: "2 new releases", "1 restated release", or both."""
        counts = ((len(self.unknown) - len(self.restated), "new"), (len(self.restated), "restated"))
        return ", ".join(f"{n} {what} release{'s' * (n != 1)}" for n, what in counts if n) or "nothing new"

    @property
    def data_version(self) -> str:
        """The versions offered and, once any is withdrawn, the withdrawn releases: a withdrawal (or a
        restore) is a new data version, so the daemon's next observation rebuilds the marts without it
        (with it), as `crowdout refresh` does, with nothing new at the publisher."""
        offered = sorted(self.versions.items())
        held = [offered, sorted(self.withdrawn)] if self.withdrawn else offered
        return hashlib.sha256(json.dumps(held).encode()).hexdigest()

    def metadata(self) -> dict[str, str | int]:
        """The observation as the release source's metadata in Dagster, whoever observed (a run, the CLI)."""
        return {
            "releases_offered": len(self.versions),
            "releases_not_loaded": "\n".join(self.unknown) or "none",
            "errors": "\n".join(self.errors) or "none",
        }

    @property
    def is_new(self) -> bool:
        """True when a release is new or changed, or when one could not be looked at (so a refresh runs
        and reports the real cause instead of calling an unreachable publisher unchanged)."""
        return bool(self.unknown or self.errors)


@dataclass(frozen=True)
class _Known:
    """What the registry holds for a family: loaded URLs with their sha256, and the sha256 and validators
    of every release loaded or withdrawn. Withdrawn bytes are held too: loading them again does nothing
    (the ingest keeps them out), so a publisher still offering them has nothing new; otherwise every
    refresh after a withdrawal would call the same release new and run again."""

    loaded_sha256_by_url: Mapping[str, str]
    sha256s: frozenset[str]
    validators: frozenset[tuple[str, str]]  # (url, etag or last_modified)
    withdrawn: tuple[str, ...] = ()  # release ids

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection | None, family: str) -> _Known:
        if con is None:
            return cls({}, frozenset(), frozenset())
        rows = con.execute(
            """SELECT url, sha256, etag, last_modified, status, release_id FROM meta.releases
               WHERE family = ? AND status IN ('loaded', 'withdrawn') ORDER BY fetched_at""",
            [family],
        ).fetchall()
        return cls(
            {url: sha for url, sha, _, _, status, _ in rows if status == "loaded"},
            frozenset(row[1] for row in rows),
            frozenset((url, v) for url, _, etag, modified, _, _ in rows for v in (etag, modified) if v),
            tuple(sorted(release_id for *_, status, release_id in rows if status == "withdrawn")),
        )


def observe_family(settings: Settings, family_name: str, con: duckdb.DuckDBPyConnection | None) -> Observation:
    """Every release `family_name` offers now and whether the warehouse behind `con` holds it."""
    family = get_family(family_name)
    known = _Known.read(con, family_name)
    session = http.make_session(settings.releases.http)
    try:
        refs = ingest.discover(settings, session, family_name)
    except ReleaseError as exc:
        return Observation(family_name, {}, errors=(str(exc),), withdrawn=known.withdrawn)
    versions: dict[str, str] = {}
    unknown: list[str] = []
    restated: list[str] = []
    errors: list[str] = []
    for ref in refs:
        # A family that never restates is not asked again for a URL it loaded (for EOUSA the registry holds
        # the sha256 of the manifest its fetch assembled, never of the page, so asking could not match).
        if not family.restated and ref.url in known.loaded_sha256_by_url:
            versions[ref.url] = f"sha256:{known.loaded_sha256_by_url[ref.url]}"
            continue
        try:
            version = _version(session, ref, settings.releases.http)
        except PublisherUnreachable as exc:  # one error for the publisher, found in seconds, not one per page
            return Observation(family_name, versions, tuple(unknown), (str(exc),), tuple(restated), known.withdrawn)
        except ReleaseError as exc:
            errors.append(str(exc))
            continue
        if version is None:  # not published (yet): nothing to hold
            continue
        versions[ref.url] = version
        kind, _, value = version.partition(":")
        if not (value in known.sha256s if kind == "sha256" else (ref.url, value) in known.validators):
            unknown.append(ref.url)
            if ref.url in known.loaded_sha256_by_url:
                restated.append(ref.url)
    return Observation(family_name, versions, tuple(unknown), tuple(errors), tuple(restated), known.withdrawn)


def _version(session: requests.Session, ref: ReleaseRef, http_cfg: http.HttpConfig) -> str | None:
    """`etag:...`, `last-modified:...` or `sha256:...` for one release; None if it is not published."""
    timeout = http_cfg.timeout_seconds
    http.check_reachable(session, ref.url, ref)
    try:
        if http.local_path(ref.url) is None:  # a local file has no ETag or Last-Modified: its bytes are its version
            head = session.head(ref.url, allow_redirects=True, timeout=timeout)
            if head.status_code == 404:
                return None
            if head.ok and head.headers.get("ETag"):
                return f"etag:{head.headers['ETag']}"
            if head.ok and head.headers.get("Last-Modified"):
                return f"last-modified:{head.headers['Last-Modified']}"
        digest = http.sha256_of(session, ref.url, ref, http_cfg)  # bounded like a download
        return None if digest is None else f"sha256:{digest}"
    except FetchError as exc:
        raise FetchError(ref, f"could not observe: {exc.problem}") from exc
    except requests.RequestException as exc:
        raise http.network_failure(session, exc, ref.url, ref, timeout) or FetchError(
            ref, f"could not observe: {exc}") from exc
    except OSError as exc:
        raise FetchError(ref, f"could not observe: {exc}") from exc
