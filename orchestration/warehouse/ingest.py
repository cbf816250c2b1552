"""The one path from a publisher's release to raw tables: discover, download, land, parse, load.

Plain functions over plain connectors, so the CLI, Dagster assets and tests all run the same code.
Every step is idempotent: a file already loaded (same sha256) is skipped, an unchanged URL answers 304,
and a failed release leaves the raw tables as they were while its landed file stays for inspection.
"""

from __future__ import annotations

import dataclasses
import email.utils
import re
import stat
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlparse

import duckdb
import requests

from orchestration import samples
from orchestration.config import Settings
from orchestration.connectors import http, landing
from orchestration.connectors.catalog import FAMILIES, get_family
from orchestration.connectors.release import (
    FetchError,
    NotPublished,
    ParseError,
    PublisherUnreachable,
    ReleaseError,
    ReleaseRef,
)
from orchestration.safe_text import truncate
from orchestration.warehouse import raw, registry
from orchestration.warehouse.publish import seed_build
from orchestration.warehouse.schema import ensure_schema


@dataclass
class IngestResult:
    """What happened to one release; `status` is loaded | unchanged | withdrawn (the same bytes were
    withdrawn by an operator) | not_modified | not_published | failed."""

    ref: ReleaseRef
    status: str
    release_id: str | None = None
    sha256: str | None = None
    landing_path: str | None = None
    rows: int = 0
    table_rows: dict[str, int] = field(default_factory=dict)
    months: list[date] = field(default_factory=list)
    error: str | None = None


def connect_build(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The build warehouse, started from the published one if the build file is missing (a fresh
    machine, a lost disk): a refresh then adds to what analysts have rather than rebuilding less."""
    seed_build(settings.build_warehouse, settings.warehouse)
    settings.build_warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.build_warehouse))
    ensure_schema(con, FAMILIES.values())
    return con


def _landing_name(ref: ReleaseRef) -> str:
    """A plain file name for the landed file: the URL's last segment, unquoted, with any separator or
    control character it decodes to (`%2F..`, `%1b`) replaced, so a hostile URL names nothing else."""
    name = re.sub(r"[/\\\x00-\x1f\x7f]", "_", unquote(Path(urlparse(ref.url).path).name))
    if name.strip(".") and name != "index.html":
        return name
    return landing.plain_name(ref.key) + ".html"


def _posted(ref: ReleaseRef) -> datetime | None:
    """The posting month the publisher's upload folder gives (drupal.upload_month), when the server sent no
    Last-Modified: first of that month, UTC."""
    posted = ref.params.get("posted")
    return datetime.fromisoformat(posted).replace(tzinfo=timezone.utc) if posted else None


def _published_at(last_modified: str | None) -> datetime | None:
    if not last_modified:
        return None
    try:
        return email.utils.parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return None


def ingest_release(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    session: requests.Session,
    ref: ReleaseRef,
) -> IngestResult:
    """Fetch one release and load it; ReleaseErrors become a failed result, never a half load. An
    unreachable publisher (PublisherUnreachable) is raised, not recorded: no release of it failed."""
    family = get_family(ref.family)
    http_cfg = settings.releases.http
    etag, last_modified = registry.http_validators(con, ref.url)
    attempt = dict(family=ref.family, release_key=ref.key, url=ref.url)
    try:
        if family.fetch is not None:  # a release of many files (EOUSA's disks) lands its parts itself
            dl = family.fetch(session, ref, settings.landing / ref.family, http_cfg=http_cfg,
                              family_cfg=settings.family(ref.family))
        else:
            dl = http.download(
                session, ref, settings.landing / ref.family, http_cfg=http_cfg, etag=etag,
                last_modified=last_modified,
                expected_content_types=settings.family(ref.family).content_types,
            )
    except NotPublished as exc:
        if settings.family(ref.family).missing_is_failure:  # named only once it must exist (TRAC)
            problem = f"{exc.problem}, though past the publication lag: missing"
            registry.record_attempt(con, **attempt, outcome="failed", error=problem)
            return IngestResult(ref, "failed", error=f"{ref}: {problem}")
        registry.record_attempt(con, **attempt, outcome="not_published", error=exc.problem)
        return IngestResult(ref, "not_published", error=str(exc))
    except PublisherUnreachable:  # the publisher's failure, not this release's: nothing to record
        raise
    except ReleaseError as exc:  # a FetchError, or a release's parts refused before landing (ParseError)
        registry.record_attempt(con, **attempt, outcome="failed", error=exc.problem)
        return IngestResult(ref, "failed", error=str(exc))
    registry.record_attempt(
        con, **attempt, outcome=dl.status, http_status=dl.http_status, sha256=dl.sha256
    )
    if dl.status == "not_modified":
        return IngestResult(ref, "not_modified")

    try:
        landed = landing.land(dl.path, settings.landing, ref.family, _landing_name(ref))
    except (OSError, ValueError) as exc:  # a link in the landing folder, a full disk: no temp file left
        dl.path.unlink(missing_ok=True)
        registry.record_attempt(con, **attempt, outcome="failed", error=f"could not land: {exc}")
        return IngestResult(ref, "failed", error=str(FetchError(ref, f"could not land the file: {exc}")))
    if landed.sha256 in samples.modelled_sha256s():
        ref = dataclasses.replace(ref, is_modelled=True)
    file = raw.ReleaseFile(
        sha256=landed.sha256,
        bytes=landed.bytes,
        landing_path=str(landed.path),
        fetched_at=datetime.now(timezone.utc),
        published_at=_published_at(dl.last_modified) or _posted(ref),
        etag=dl.etag,
        last_modified=dl.last_modified,
        content_type=dl.content_type,
    )
    common = dict(sha256=landed.sha256, landing_path=str(landed.path))
    existing = registry.loaded_release(con, ref.family, landed.sha256)
    if existing:
        if ref.is_modelled:  # a modelled flag learnt later (a sample page's link) is never lost
            registry.mark_modelled(con, existing)
        return IngestResult(ref, "unchanged", release_id=existing, **common)
    withdrawn = registry.withdrawn_release(con, ref.family, landed.sha256)
    if withdrawn:  # an operator took these bytes out; fetching them again must not bring them back
        rid, reason = withdrawn
        return IngestResult(ref, "withdrawn", release_id=rid, error=f"withdrawn earlier ({reason}); "
                            f"`crowdout release restore {rid}` uses it again", **common)
    try:
        parsed = family.parse(landed.path, ref)
    except ReleaseError as exc:
        rid = raw.record_failed_release(con, family, ref, file, exc.problem)
        return IngestResult(ref, "failed", release_id=rid, error=str(exc), **common)
    except Exception as exc:  # a parser bug must still name the release and keep the file
        problem = truncate(f"unexpected {type(exc).__name__} while parsing: {exc}")
        rid = raw.record_failed_release(con, family, ref, file, problem)
        return IngestResult(ref, "failed", release_id=rid, error=str(ParseError(ref, problem)), **common)
    try:
        rid = raw.load_release(con, family, ref, file, parsed, settings.releases.checks)
    except ReleaseError as exc:  # a streamed family (Family.records) meets some format errors only now
        rid = raw.record_failed_release(con, family, ref, file, exc.problem)
        return IngestResult(ref, "failed", release_id=rid, error=str(exc), **common)
    except (duckdb.Error, OSError) as exc:  # the warehouse could not take it (disk full, I/O error)
        return _failed_write(con, family, ref, file, exc, common)
    return IngestResult(
        ref, "loaded", release_id=rid, rows=parsed.row_count,
        table_rows=parsed.table_rows, months=parsed.months,
        **common,
    )


def _failed_write(con, family, ref, file, exc: BaseException, common: dict) -> IngestResult:
    """A parsed release the build warehouse could not store: the raw tables are as they were (the
    transaction rolled back); register the failure with the write error itself, so `crowdout status`
    shows it. On a full disk that registration may fail too; then the error says so."""
    problem = truncate(" ".join([f"could not write to the build warehouse: {exc}", *getattr(exc, "__notes__", [])]))
    rid = registry.release_id(family.name, file.sha256)
    try:
        raw.record_failed_release(con, family, ref, file, problem)
    except duckdb.Error as record_error:
        problem += f"; the failure could not be recorded in meta.releases either ({record_error})"
    return IngestResult(ref, "failed", release_id=rid, error=str(ReleaseError(ref, problem)), **common)


def discover(
    settings: Settings,
    session: requests.Session,
    family_name: str,
    *,
    months: list[date] | None = None,
) -> list[ReleaseRef]:
    family = get_family(family_name)
    cfg = settings.family(family_name)
    base = settings.publisher_base(cfg.publisher)
    return family.discover(cfg, base, session, months=months, live=settings.live)


def ingest_family(
    settings: Settings,
    family_name: str,
    *,
    months: list[date] | None = None,
    on_result: Callable[[IngestResult], None] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[IngestResult]:
    """Load every release the publisher currently offers that is not loaded yet (of `months` only, for a
    month-addressed family, when given).

    A family that never restates (TRAC pages) is not asked again for a URL already loaded; files that
    publishers restate (CBP, OHSS) are always asked for, conditionally.
    """
    session = http.make_session(settings.releases.http)
    own = con is None
    con = con or connect_build(settings)
    try:
        refs = discover(settings, session, family_name, months=months)
        if not get_family(family_name).restated:
            done = registry.loaded_urls(con, family_name)
            refs = [r for r in refs if r.url not in done]
        results = []
        for ref in refs:
            result = ingest_release(settings, con, session, ref)
            results.append(result)
            if on_result:
                on_result(result)
        return results
    finally:
        if own:
            con.close()


def ref_for_location(
    settings: Settings, family_name: str, location: str, *, is_modelled: bool = False
) -> ReleaseRef:
    """A release named by hand: a local path, a file:// URL or an http(s):// URL."""
    family = get_family(family_name)
    url = location if re.match(r"^(https?|file)://", location) else Path(location).resolve().as_uri()
    if (path := http.local_path(url)) is not None:
        _require_regular_file(location, path)
    params = family.params_from_url(url, settings.family(family_name)) if family.params_from_url else {}
    key = params.get("key") or unquote(Path(urlparse(url).path).name) or url
    return ReleaseRef(family_name, url, key, params, is_modelled)


def _require_regular_file(location: str, path: Path) -> None:
    """Refuse a FIFO, device or socket before anything opens it: reading one blocks or never ends,
    and the caller would be holding the writer lock meanwhile. A missing file is left to the fetch,
    which reports it as not published."""
    if path.is_dir():  # a page's folder URL is served as its index.html, as a web server would
        path = path / "index.html"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kinds = {stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISCHR: "a character device",
                 stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}
        kind = next((name for test, name in kinds.items() if test(mode)), "not a regular file")
        raise ReleaseError(location, f"is {kind}; crowdout ingests regular files only. Copy the release "
                                     "to a file and ingest that.")

