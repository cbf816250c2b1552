"""The publisher's URL for a release read from the bundled sample, with the local file kept beside it.

A sample release is read from `orchestration/samples/releases/<host>/<path>`, a folder laid out like the
publisher's site, so its `url` in `meta.releases` is a `file://` path on the machine that loaded it: no use
to a reader, and different on every checkout. The path under the host folder is the publisher's own path,
so the publisher's URL is the `live` base of the publisher whose `sample` folder it is, plus that path.
A curated file (`orchestration/published/<file>`, e.g. TRAC's published figures transcribed with a source
URL per figure) is no page of the publisher's: its source is the publisher's site (the `live` base of the
family whose `file` it is), each figure's own page being in the file.
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import unquote, urlparse

import pyarrow as pa

from orchestration.analysis.query import Result
from orchestration.config import Releases

SAMPLE_MARKER = "/samples/releases/"
CURATED_MARKER = "/orchestration/published/"


def publisher_url(url: str | None, releases: Releases) -> str | None:
    """`url` on the publisher's site when it points into the bundled sample or is a curated file, else `url`
    unchanged (`releases`: releases.toml as loaded, its publishers and families)."""
    if not url or not url.startswith("file://") or not (SAMPLE_MARKER in url or CURATED_MARKER in url):
        return url
    publishers = releases.publishers
    if CURATED_MARKER in url:
        name = unquote(url.rsplit("/", 1)[1])
        for family in releases.families.values():
            if getattr(family, "file", None) == name and family.publisher in publishers:
                return publishers[family.publisher].live
        return url
    rest = url.split(SAMPLE_MARKER, 1)[1]
    for pub in publishers.values():
        folder = pub.sample.strip("/") + "/"
        if rest.startswith(folder):
            return pub.live.rstrip("/") + "/" + rest[len(folder):]
    return url


def local_path(url: str | None) -> str | None:
    """The file a `file://` URL names, as a plain path; None for a URL on the web."""
    if not url or not url.startswith("file://"):
        return None
    return unquote(urlparse(url).path)


def with_publisher_urls(result: Result, releases: Releases) -> Result:
    """A result with a `url` column gets the publisher's URL in `url` (where it points into the bundled
    sample) and the local file in a `local_path` column right after it (NULL for a URL on the web), batch
    by batch as it streams; any other result is returned as it is."""
    schema = result.schema
    if "url" not in schema.names or not pa.types.is_string(schema.field("url").type):
        return result
    i = schema.get_field_index("url")
    add_local = "local_path" not in schema.names
    if add_local:
        schema = schema.insert(i + 1, pa.field("local_path", pa.string()))
    def batches() -> Iterator[pa.RecordBatch]:
        for batch in result.batches:
            urls = batch.column(i).to_pylist()
            columns = list(batch.columns)
            columns[i] = pa.array([publisher_url(u, releases) for u in urls], pa.string())
            if add_local:
                columns.insert(i + 1, pa.array([local_path(u) for u in urls], pa.string()))
            yield pa.RecordBatch.from_arrays(columns, schema=schema)

    return result.with_batches(schema, batches())
