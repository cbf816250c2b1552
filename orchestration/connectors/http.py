"""Fetching publishers' pages and files, and failing loudly and specifically when they misbehave.

Government sites time out, answer 5xx under load, cut bodies short and serve HTML error pages with a
200; every such case must end as a `FetchError` naming the release and the problem, never as a
half-written file that a parser then trusts. The bundled sample releases are file:// URLs served by
the same session, so the demo and the tests exercise the same code as a live run.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import mimetypes
import os
import re
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Collection, Iterator, Literal, Mapping
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import requests
import urllib3
from pydantic import BaseModel, ConfigDict, NonNegativeFloat, NonNegativeInt, PositiveFloat, PositiveInt
from requests.adapters import HTTPAdapter
from requests_file import FileAdapter

from orchestration.connectors.release import (
    FetchError,
    NotPublished,
    ProxyUnreachable,
    PublisherUnreachable,
    ReleaseRef,
)

RETRY_STATUSES = (429, 500, 502, 503, 504)
# The only schemes a publisher's answer can send crowdout to. file:// is for releases the operator names (a
# path, a file:// URL, the sample site's base); a redirect or a link on a web page never reaches it.
WEB_SCHEMES = frozenset({"http", "https"})
_CHUNK = 1 << 16
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


class HttpConfig(BaseModel):
    """[http] of releases.toml: the limits every request to a publisher runs under (what each means is
    said beside it in the file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout_seconds: PositiveFloat
    retries: NonNegativeInt
    deadline_seconds: PositiveFloat
    backoff_factor: NonNegativeFloat
    retry_after_max_seconds: NonNegativeInt = 120
    max_bytes: PositiveInt
    user_agent: str


@dataclass(frozen=True)
class Download:
    """The outcome of one download attempt that got an answer (failures raise instead).

    `path` is a temp file inside the destination folder for the landing step to adopt; it is None
    when the publisher said the file is unchanged (304).
    """

    url: str
    status: Literal["downloaded", "not_modified"]
    path: Path | None
    sha256: str | None
    bytes: int
    etag: str | None
    last_modified: str | None
    content_type: str | None
    http_status: int


@dataclass(frozen=True)
class Link:
    """A link to a release found on a publisher's page; sample pages flag modelled files."""

    url: str
    is_modelled: bool


class RefusedLocation(requests.exceptions.InvalidURL):
    """A publisher's answer pointed somewhere crowdout does not go (a redirect to file:, ftp:, data:...)."""


class ReleaseSession(requests.Session):
    """A session that carries its HTTP limits, so code that is handed only a session (a family's
    `discover`) still applies the configured timeout, size limit and deadline.

    `deadline` is when the session's work must be over (`deadline_seconds` after it was made): without
    network a run then fails in bounded time, whatever the number of releases. `unreachable` remembers
    hosts whose name did not resolve or that refused the connection, and a proxy that did (then every host
    behind it), so the next release from the same host fails at once with the same cause instead of trying
    again."""

    def __init__(self, http_cfg: HttpConfig):
        super().__init__()
        self.http_cfg = http_cfg
        self.deadline = time.monotonic() + http_cfg.deadline_seconds
        self.unreachable: dict[str, str] = {}

    def get_redirect_target(self, resp):
        """The redirect's target, refused unless it stays on http(s).

        requests follows a redirect with whatever adapter is mounted for the new scheme, and this session
        mounts file:// for the samples: unchecked, `302 Location: file:///etc/shadow` would read a local file
        and land it as a release. Checked here, on the session, so every path that fetches (downloads,
        discovery pages, observation's HEAD and GET, NCD disks) is covered."""
        location = super().get_redirect_target(resp)
        if location is not None:
            scheme = urlsplit(urljoin(resp.url, location)).scheme.lower()
            if scheme not in WEB_SCHEMES:
                raise RefusedLocation(f"refused a redirect to a {scheme or 'schemeless'}: URL "
                                      "(crowdout follows redirects to http and https only)", response=resp)
        return location


class _Retry(urllib3.util.Retry):
    """urllib3's Retry (the only retry layer), made to give up at once where trying again cannot help:
    a name that does not resolve or a connection refused or unreachable, the publisher's or the proxy's
    (NewConnectionError, bare or inside urllib3's ProxyError; a connect *timeout* is still retried), and any
    failure after the session's deadline."""

    deadline: float = float("inf")

    def new(self, **kw):
        retry = super().new(**kw)
        retry.deadline = self.deadline
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if (error is not None and _is_unreachable(error)) or time.monotonic() >= self.deadline:
            reason = error or urllib3.exceptions.ResponseError(f"HTTP {response.status if response else '?'}")
            raise urllib3.exceptions.MaxRetryError(_pool, url, reason) from reason
        return super().increment(method, url, response, error, _pool, _stacktrace)


class _SampleFileAdapter(FileAdapter):
    """file:// served the way a static web server serves a site: a folder URL answers with its
    index.html, and the Content-Type is guessed from the file name, so sample mode meets the same
    content-type checks as the live sites."""

    def send(self, request, *args, **kwargs):
        parts = urlsplit(request.url)
        if parts.path.endswith("/"):
            request = request.copy()
            parts = parts._replace(path=parts.path + "index.html")
            request.url = parts.geturl()
        response = super().send(request, *args, **kwargs)
        content_type, _ = mimetypes.guess_type(unquote(parts.path))
        if response.status_code == 200 and content_type:
            response.headers["Content-Type"] = content_type
        return response


class _Interrupted(FetchError):
    """The body stopped before its end (cut connection, short Content-Length, stalled read)."""


def make_session(http_cfg: HttpConfig) -> ReleaseSession:
    """A session that retries connection failures and 429/5xx with backoff, honouring Retry-After.

    Only idempotent GET/HEAD are retried. `raise_on_status=False` hands back the last error
    response, so the caller can report the publisher's final status rather than a generic retry error.
    """
    retries = http_cfg.retries
    session = ReleaseSession(http_cfg)
    retry = _Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=http_cfg.backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods={"GET", "HEAD"},
        respect_retry_after_header=True,
        # urllib3 would otherwise honour a Retry-After of up to six hours inside a batch run.
        retry_after_max=http_cfg.retry_after_max_seconds,
        raise_on_status=False,
    )
    retry.deadline = session.deadline
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.mount("file://", _SampleFileAdapter())
    session.headers["User-Agent"] = http_cfg.user_agent
    session.verify = True
    return session


def download(
    session: requests.Session,
    ref: ReleaseRef,
    dest_dir: Path,
    *,
    http_cfg: HttpConfig | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    expected_content_types: Collection[str] | None = None,
) -> Download:
    """Stream `ref.url` into a temp file in `dest_dir`, hashing as it goes.

    `etag`/`last_modified` from the previous download make the request conditional, so an
    unchanged release costs one round trip. A body cut short is kept under `dest_dir/_incomplete/`
    for inspection and never handed on. `expected_content_types` (media types, e.g. `text/csv`)
    rejects the HTML error pages some sites serve with a 200 in place of a file; a response without
    a Content-Type is accepted, since the parser will still check the format.
    """
    cfg = _http_cfg(session, http_cfg)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    response = _get(session, ref.url, ref, cfg, headers)
    with response:
        content_type = response.headers.get("Content-Type")
        result = dict(
            url=ref.url,
            etag=response.headers.get("ETag", etag if response.status_code == 304 else None),
            last_modified=response.headers.get(
                "Last-Modified", last_modified if response.status_code == 304 else None
            ),
            content_type=content_type,
            http_status=response.status_code,
        )
        if response.status_code == 304:
            return Download(status="not_modified", path=None, sha256=None, bytes=0, **result)
        _check_content_type(content_type, expected_content_types, ref)
        dest_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=dest_dir, prefix=".download-", suffix=".part")
        tmp = Path(name)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as fh:
                try:
                    for chunk in _body(response, ref, cfg, _deadline(session)):
                        fh.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                    _check_length(response, size, ref)
                finally:
                    fh.flush()
                    os.fsync(fh.fileno())
        except _Interrupted as exc:
            kept = _keep_incomplete(tmp, dest_dir, ref.url)
            raise FetchError(ref, f"{exc.problem}; the {size} bytes received are kept in {kept}") from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return Download(status="downloaded", path=tmp, sha256=digest.hexdigest(), bytes=size, **result)


def download_resumable(
    session: requests.Session,
    url: str,
    part: Path,
    label: ReleaseRef | str,
    *,
    http_cfg: HttpConfig | None = None,
    expected_content_types: Collection[str] | None = None,
) -> int:
    """Download `url` into `part`, continuing from the bytes already there (HTTP Range); returns its size.

    For multi-gigabyte files that a cut connection must not send back to byte zero. The total comes
    from the Content-Range of a 206 answer or the Content-Length of a 200 (a server that ignores the
    Range is read from the start again); a body that ends short of it raises FetchError and leaves
    `part` in place, so the next call resumes. A 416 with `bytes */<size>` equal to what is held means
    the file was already complete.
    """
    cfg = _http_cfg(session, http_cfg)
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = _get(session, url, label, cfg, headers)
    except FetchError as exc:
        done = re.search(r"HTTP 416", exc.problem)
        if done and have:
            return have  # nothing after what we hold; the caller's size checks still apply
        raise
    with response:
        _check_content_type(response.headers.get("Content-Type"), expected_content_types, label)
        if response.status_code == 206:
            match = re.match(r"bytes (\d+)-\d+/(\d+)", response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != have:
                raise FetchError(label, f"unusable Content-Range {response.headers.get('Content-Range')!r}")
            total, mode = int(match.group(2)), "ab"
        else:
            declared = response.headers.get("Content-Length")
            total, have, mode = (int(declared) if declared and declared.isdigit() else None), 0, "wb"
        part.parent.mkdir(parents=True, exist_ok=True)
        size = have
        with open(part, mode) as fh:
            try:
                for chunk in _body(response, label, cfg, _deadline(session)):
                    fh.write(chunk)
                    size += len(chunk)
            finally:
                fh.flush()
                os.fsync(fh.fileno())
    if total is not None and size != total:
        raise FetchError(label, f"got {size} of {total} bytes; kept in {part}, the next run resumes")
    return size


def get_page(
    session: requests.Session, url: str, ref_label: ReleaseRef | str, http_cfg: HttpConfig | None = None
) -> str:
    """The text of a discovery page, under the same retries, timeout and size limit as a download."""
    cfg = _http_cfg(session, http_cfg)
    response = _get(session, url, ref_label, cfg)
    with response:
        body = b"".join(_body(response, ref_label, cfg, _deadline(session)))
        _check_length(response, len(body), ref_label)
        return body.decode(_charset(response, body), errors="replace")


def find_links(html: str, page_url: str, base: str, pattern: str) -> list[Link]:
    """Absolute URLs of the page's links whose unquoted href matches `pattern`, first occurrence first.

    Root-relative hrefs (`/sites/...`) resolve against `base`, the publisher's base URL, not the
    page's origin: in sample mode the "site root" is a folder inside a file:// URI. `data-basis=
    "modelled"` on the link marks a file the bundled sample made up rather than copied.
    """
    return [Link(url=url, is_modelled=modelled) for url, _, modelled in _links(html, page_url, base, pattern, False)]


def find_links_by_text(html: str, page_url: str, base: str, pattern: str) -> list[tuple[str, str, bool]]:
    """(absolute URL, visible text, modelled flag) of the links whose visible text matches `pattern`, for
    sites whose URLs name nothing (DOJ's `.../file/<n>/download`): there the text names the release. Resolved
    and filtered as `find_links` does."""
    return _links(html, page_url, base, pattern, True)


def _links(html: str, page_url: str, base: str, pattern: str, by_text: bool) -> list[tuple[str, str, bool]]:
    if not html.strip():
        return []
    regex = re.compile(pattern)
    found: list[tuple[str, str, bool]] = []
    seen: set[str] = set()
    for anchor in lxml.html.fromstring(html).iter("a"):
        href = (anchor.get("href") or "").strip()
        text = " ".join(anchor.text_content().split())
        if not href or not regex.search(text if by_text else unquote(href)):
            continue
        url = resolve_link(href, page_url, base)
        if url and url not in seen:
            seen.add(url)
            found.append((url, text, anchor.get("data-basis") == "modelled"))
    return found


def resolve_link(href: str, page_url: str, base: str) -> str | None:
    """The absolute URL of a link on a publisher's page, or None where crowdout must not follow it.

    Root-relative hrefs resolve against `base` (see `find_links`). A page on the web may only lead to the
    web: a link from an http(s) page to file:, ftp: or anything else is dropped, so a hostile page cannot
    turn discovery into a read of local files. A file:// page (the operator's sample site) may link on."""
    if href.startswith("/") and not href.startswith("//"):
        url = base.rstrip("/") + href
    else:
        url = urljoin(page_url, href)
    if urlsplit(page_url).scheme.lower() in WEB_SCHEMES and urlsplit(url).scheme.lower() not in WEB_SCHEMES:
        return None
    return url


def local_path(url: str) -> Path | None:
    """The file or folder a file:// URL names (a release the operator named by path, or the bundled
    sample's site); None for any other URL. The one place that tells a local release from a published one,
    for the few steps that must treat it differently: a local file has no HTTP status or validators, and a
    path the operator names is checked before anything opens it."""
    parts = urlsplit(url)
    return Path(unquote(parts.path)) if parts.scheme.lower() == "file" else None


def sha256_of(session: requests.Session, url: str, label: ReleaseRef | str, http_cfg: HttpConfig | None = None) -> str | None:
    """The sha256 of what `url` serves now, or None if it is not published: read under the same retries,
    timeout, size limit and deadline as a download, and never kept."""
    cfg = _http_cfg(session, http_cfg)
    try:
        response = _get(session, url, label, cfg)
    except NotPublished:
        return None
    digest = hashlib.sha256()
    with response:
        size = 0
        for chunk in _body(response, label, cfg, _deadline(session)):
            digest.update(chunk)
            size += len(chunk)
        _check_length(response, size, label)
    return digest.hexdigest()


def _deadline(session: requests.Session) -> float | None:
    return getattr(session, "deadline", None)


def _http_cfg(session: requests.Session, http_cfg: HttpConfig | None) -> HttpConfig:
    if http_cfg is not None:
        return http_cfg
    try:
        return session.http_cfg  # type: ignore[attr-defined]
    except AttributeError:
        raise TypeError("http_cfg is required for a session not made by make_session") from None


def _get(
    session: requests.Session,
    url: str,
    label: ReleaseRef | str,
    cfg: HttpConfig,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    """GET with streaming; network failures and error statuses become FetchError/NotPublished.

    A host already found unreachable in this session, or a session past its deadline, fails without
    a request; each request's timeout is cut to the time left before the deadline."""
    timeout = cfg.timeout_seconds
    check_reachable(session, url, label)
    deadline = getattr(session, "deadline", None)
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(label, f"not tried: the {cfg.deadline_seconds:g}s deadline for this "
                             "run's downloads (http.deadline_seconds in releases.toml) has passed")
        timeout = min(timeout, left)
    try:
        response = session.get(url, headers=headers, stream=True, timeout=timeout)
    except requests.RequestException as exc:
        failure = network_failure(session, exc, url, label, timeout)
        if failure is not None:
            raise failure from exc
        problem = _network_problem(exc, timeout, urlsplit(url).netloc)
        if deadline is not None and time.monotonic() >= deadline:
            problem += f"; gave up at the {cfg.deadline_seconds:g}s deadline (http.deadline_seconds)"
        raise FetchError(label, problem) from exc
    status = response.status_code
    if status < 400:
        return response
    response.close()
    problem = f"HTTP {status} {response.reason or ''}".rstrip()
    retries = getattr(getattr(response.raw, "retries", None), "history", ())
    if retries:
        problem += f" after {len(retries)} retries"
    if status == 404 and local_path(url) is not None:  # a local file, not a web page: no HTTP status
        raise NotPublished(label, f"no such file: {unquote(urlsplit(url).path)}")
    if status in (404, 410):
        raise NotPublished(label, f"{problem}: not published")
    raise FetchError(label, problem)


def _body(
    response: requests.Response, label: ReleaseRef | str, cfg: HttpConfig, deadline: float | None
) -> Iterator[bytes]:
    """The body in chunks, stopping at the size limit or the session's deadline and naming how it was cut
    off if it was. The read timeout alone cannot bound a body: a server that drips a byte a second never
    lets a read time out, so the deadline is checked after every chunk."""
    max_bytes = cfg.max_bytes
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(label, f"body of {int(declared)} bytes is over the limit of {max_bytes} bytes")
    raw = response.raw
    if isinstance(raw, urllib3.BaseHTTPResponse):
        # read1, not requests' iter_content: urllib3's read() buffers up to a full chunk and drops it
        # when the connection ends early, and those partial bytes are what an operator wants to see.
        read = functools.partial(raw.read1, _CHUNK, decode_content=True)
    else:  # file:// and other adapters hand over a plain file object
        read = functools.partial(raw.read, _CHUNK)
    size = 0
    try:
        for chunk in iter(read, b""):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(label, f"body over the limit of {max_bytes} bytes; stopped reading")
            if deadline is not None and time.monotonic() > deadline:
                raise _Interrupted(label, f"body not finished after {size} bytes at the "
                                   f"{cfg.deadline_seconds:g}s deadline (http.deadline_seconds)")
            yield chunk
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _Interrupted(
            label, f"body cut off after {size} bytes: {_network_problem(exc, cfg.timeout_seconds)}"
        ) from exc


def _check_length(response: requests.Response, size: int, label: ReleaseRef | str) -> None:
    """Belt and braces for adapters that do not enforce Content-Length (file://). With a
    Content-Encoding the header counts compressed bytes, so it cannot be compared."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and not response.headers.get("Content-Encoding"):
        if size < int(declared):
            raise _Interrupted(label, f"body truncated: got {size} of {int(declared)} bytes")


def _check_content_type(
    content_type: str | None, expected: Collection[str] | None, label: ReleaseRef | str
) -> None:
    if not expected or not content_type:
        return
    media_type = content_type.split(";")[0].strip().lower()
    if media_type not in {e.lower() for e in expected}:
        raise FetchError(label, f"wrong content type {media_type}, expected {', '.join(sorted(expected))}")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, through requests' and urllib3's wrappers down to the socket error."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        causes = [getattr(current, "reason", None), *current.args, current.__cause__]
        current = next((c for c in causes if isinstance(c, BaseException)), None)
    return chain


def _family(label: ReleaseRef | str) -> str:
    return label.family if isinstance(label, ReleaseRef) else str(label)


def proxy_for(session: requests.Session, url: str) -> str | None:
    """The proxy a request for `url` goes through (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, less NO_PROXY, as
    requests chooses it), as `scheme://host:port` without credentials; None for a direct request."""
    if urlsplit(url).scheme.lower() not in WEB_SCHEMES:
        return None
    proxies = session.merge_environment_settings(url, {}, None, None, None)["proxies"]
    proxy = requests.utils.select_proxy(url, proxies)
    if not proxy:
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def _unreachable_error(label: ReleaseRef | str, host: str, proxy: str | None, problem: str) -> PublisherUnreachable:
    if proxy is not None:
        return ProxyUnreachable(_family(label), proxy, problem)
    return PublisherUnreachable(_family(label), host, problem)


def check_reachable(session: requests.Session, url: str, label: ReleaseRef | str) -> None:
    """Fail at once for a host, or a proxy, this session already found unreachable: one failure per
    publisher, and one for a dead proxy whatever the publisher."""
    known = getattr(session, "unreachable", {})
    if not known:
        return
    host, proxy = urlsplit(url).netloc, proxy_for(session, url)
    problem = known.get(proxy or host)
    if problem is not None:
        raise _unreachable_error(label, host, proxy, problem)


def network_failure(session: requests.Session, exc: requests.RequestException, url: str,
                    label: ReleaseRef | str, timeout: float) -> PublisherUnreachable | None:
    """The error for a request that failed because its host, or the proxy it goes through, is unreachable
    (remembered for the rest of the session), else None. A proxy that cannot be reached is named as the
    proxy's failure, never the publisher's."""
    host = urlsplit(url).netloc
    if not (_is_unreachable(exc) and host):
        return None
    via_proxy = any(isinstance(e, urllib3.exceptions.ProxyError) for e in _chain(exc))
    proxy = (proxy_for(session, url) or "the proxy") if via_proxy else None
    problem = _network_problem(exc, timeout, _hostport(proxy) if proxy else host)
    if isinstance(getattr(session, "unreachable", None), dict):
        session.unreachable[proxy or host] = problem
    return _unreachable_error(label, host, proxy, problem)


def _hostport(url: str) -> str:
    return urlsplit(url).netloc or url


def _is_unreachable(exc: BaseException) -> bool:
    return any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in _chain(exc))


def _network_problem(exc: BaseException, timeout: float, host: str = "") -> str:
    """A short, specific reason. urllib3 makes a failed name lookup and a refused connection subclasses
    of its connect *timeout*, so those are named first, from the socket error at the root of the chain;
    requests reports a read timeout that exhausted the retries as a ConnectionError, so the chain is then
    searched for a timeout before calling it a connection failure."""
    chain = _chain(exc)
    root = chain[-1]
    where = f" {host}" if host else ""
    refused = next((e for e in chain if isinstance(e, RefusedLocation)), None)
    if refused is not None:
        return str(refused)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return f"DNS lookup failed for{where or ' the host'}: {root}"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return f"connection refused by{where or ' the host'}"
    if any(isinstance(e, urllib3.exceptions.NewConnectionError) for e in chain):
        return f"cannot connect to{where or ' the host'}: {type(root).__name__}: {root}"
    if any(isinstance(e, (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)) for e in chain):
        return f"timed out after {timeout:g}s"
    return f"connection failed: {type(root).__name__}: {root}"


def _charset(response: requests.Response, body: bytes) -> str:
    """The page's declared charset (header, then <meta>), else UTF-8; requests' own guess for
    text/* without a charset is ISO-8859-1, which garbles UTF-8 pages."""
    for source in (response.headers.get("Content-Type", ""), body[:4096].decode("ascii", "ignore")):
        match = _CHARSET.search(source)
        if match:
            try:
                return codecs.lookup(match.group(1)).name
            except LookupError:
                pass
    return "utf-8"


def _keep_incomplete(tmp: Path, dest_dir: Path, url: str) -> Path:
    folder = dest_dir / "_incomplete"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]).replace("/", "_") or "index.html"
    kept = folder / f"{stamp}-{name}.part"
    os.replace(tmp, kept)
    return kept
