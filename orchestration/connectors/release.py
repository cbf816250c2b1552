"""The vocabulary every connector shares: what a release is, what parsing it yields, how it fails.

Errors carry the release they concern so that an operator reading a log line knows which file and
which publisher to look at without a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Mapping, Sequence

import pyarrow as pa
from pydantic import AfterValidator, BaseModel, ConfigDict, NonNegativeInt

from orchestration.safe_text import redact, truncate


@dataclass(frozen=True)
class ReleaseRef:
    """One release to fetch: a file or page at a URL, and what we expect it to hold."""

    family: str
    url: str
    key: str
    params: Mapping[str, str] = field(default_factory=dict)
    is_modelled: bool = False

    def __str__(self) -> str:
        return f"{self.family} {self.key} ({self.url})"


class ReleaseError(Exception):
    """A release could not be fetched or loaded. The message names the release and the problem.

    The problem often quotes the file (a header, a cell) or a URL, and is stored in `meta.releases` and
    printed: it is kept to a readable size and without URL credentials (`safe_text`), so a 10^6-column
    header cannot make a 10 MB error."""

    def __init__(self, release: ReleaseRef | str, problem: str):
        self.release = release
        self.problem = truncate(redact(problem))
        super().__init__(f"{redact(str(release))}: {self.problem}")


class FetchError(ReleaseError):
    """The publisher did not hand over the file (HTTP error, timeout, truncated body). Worth retrying."""


class PublisherUnreachable(ReleaseError):
    """The publisher's host did not resolve or refused the connection. A problem with the network or the
    publisher, not with any release: one failure per publisher, never a list of failed releases, and
    nothing recorded against a release (the next successful look clears it)."""

    def __init__(self, family: str, host: str, problem: str):
        self.host = host
        super().__init__(family, f"publisher {host} unreachable ({problem}); no release was tried after it. "
                         "Check the network (DNS, proxy, firewall) and refresh again, or refresh without "
                         "--live to use the bundled sample releases.")


class ProxyUnreachable(PublisherUnreachable):
    """The proxy requests go through (HTTPS_PROXY, HTTP_PROXY) did not resolve or refused the connection: the
    operator's network, not any publisher. One failure for every publisher behind it, naming the proxy."""

    def __init__(self, family: str, proxy: str, problem: str):
        self.host = proxy
        ReleaseError.__init__(self, family, f"proxy {proxy} unreachable ({problem}); no publisher was asked "
                              "through it. Check the proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and refresh again, "
                              "or refresh without --live to use the bundled sample releases.")


class NotPublished(FetchError):
    """The publisher has no such release yet (404 or no such file). Not a failure for a refresh."""


class ParseError(ReleaseError):
    """The file arrived but is not in the format we know. Retrying will not help; a human must look."""


@dataclass
class ParsedRelease:
    """Rows for each raw table, without release_id (the loader adds it), and the months they cover."""

    tables: dict[str, pa.Table]
    months: list[date] = field(default_factory=list)
    # True when the parser found figures the file itself marks as modelled (crowdout's sample pages and
    # disks); the release is then registered as modelled (meta.releases.is_modelled), whatever its link said.
    modelled: bool = False
    # Rows per raw table the warehouse streamed in from a family's record files (`Family.records`).
    streamed_rows: dict[str, int] = field(default_factory=dict)

    @property
    def table_rows(self) -> dict[str, int]:
        return {**{t: tbl.num_rows for t, tbl in self.tables.items()}, **self.streamed_rows}

    @property
    def row_count(self) -> int:
        return sum(self.table_rows.values())


@dataclass(frozen=True)
class StreamedLoad:
    """What the warehouse streamed in from a family's record files (`Family.records`): rows per raw
    table, and the months its rows cover (registered as the release's months_covered, which the release
    checks compare)."""

    rows: dict[str, int]
    months: list[date]


@dataclass(frozen=True)
class RawColumn:
    name: str
    type: str
    description: str


_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
}


def arrow_schema(columns: Sequence[RawColumn]) -> pa.Schema:
    """The Arrow schema a parser builds its rows with, so raw tables get exactly the declared types."""
    return pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in columns])


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None
    return pattern


# A regular expression from releases.toml, refused when the file is read rather than when a page is searched.
Pattern = Annotated[str, AfterValidator(_compiles)]


class FamilyConfig(BaseModel):
    """A family's section of releases.toml ([families.<name>]): the keys every family may have. A family
    with keys of its own declares them in a subclass, named by `Family.config`, so a typo in any of them
    is refused, with its key, when the file is read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    publisher: str  # a [publishers.<name>] section
    # What a data file may be served as (an HTML error page served with a 200 is refused); None: anything.
    content_types: tuple[str, ...] | None = None
    # Days from the end of a month to its figures (data recency in `crowdout status`); 0: not judged.
    publication_lag_days: NonNegativeInt = 0
    # A release named by the family but not found is a failure, not "not yet published" (TRAC's pages).
    missing_is_failure: bool = False


@dataclass(frozen=True)
class Family:
    """A release family: one publisher's one kind of file, e.g. CBP's Nationwide Encounters by state.

    `discover(cfg, base, session, *, months=None, live=False)` lists the releases currently offered
    (cfg is the family's section of releases.toml, an instance of `config`: the keys the family reads,
    declared once, checked when the file is read; base the publisher's base URL); `parse(path, ref)`
    reads one landed file. `raw_tables` declares the raw tables it fills, in column order, without
    the loader's own columns (release_id first). `params_from_url`, where a family's parser needs
    more than the file (TRAC: series, month, district), reads them from a URL named by hand, given the
    family's section of releases.toml.

    What sets families apart is declared here, once, and read by everything downstream (ingestion, the
    release observations, the Dagster wiring), never re-derived from the family's name:
    `addressed_by_month`: one release per month at a URL built from the month (TRAC bulletins), rather
    than a rolling file that grows and is replaced under the same link (CBP, OHSS);
    `restated`: a later release may carry other figures for months an earlier one covered, so a URL
    already loaded is asked for again (conditionally). A family that never restates is fetched once
    per URL. A family addressed by month is restated only by its own key (series, month) fetched
    again; a rolling file is the family's whole table, so any later file covering the same months
    restates it, whatever its name (orchestration/warehouse/quality.py).

    Two optional traits serve releases too big for the one-file, in-memory path (EOUSA's multi-GB
    set of zips): `fetch(session, ref, dest_dir, *, http_cfg, family_cfg)` downloads and lands the
    parts itself and returns an `http.Download` of one small file that names them (the release file
    that is landed and registered); `records(path, ref, work)` yields the landed release's big tables
    as record files in `work`, one at a time, which the warehouse streams into the raw tables inside
    the loader's transaction, after the tables `parse` returned (orchestration/warehouse/ncd_loader.py).
    A connector never touches the warehouse itself. `fault_tables` names raw tables that list a release's
    faults (records set aside, cells set to NULL) rather than its data: a later release with fewer rows in
    them has lost nothing, so the row-count check leaves them out. `periods` (raw table, first-month
    column, last-month column) marks a family whose rows are figures for scattered periods, not a
    month-by-month series (crowdout's curated published figures): its releases cover no months (no gaps
    to check, no month a publisher is due to reach), and what they span is read from those columns.
    """

    name: str
    raw_tables: Mapping[str, Sequence[RawColumn]]
    discover: Callable[..., list[ReleaseRef]]
    parse: Callable[[Path, ReleaseRef], ParsedRelease]
    params_from_url: Callable[[str, FamilyConfig], dict[str, str]] | None = None
    addressed_by_month: bool = False
    restated: bool = True
    fetch: Callable[..., Any] | None = None
    records: Callable[[Path, ReleaseRef, Path], Iterator[Any]] | None = None
    fault_tables: frozenset[str] = frozenset()
    config: type[FamilyConfig] = FamilyConfig
    periods: tuple[str, str, str] | None = None
