"""The publisher's URL for a release read from the bundled sample, with the local file kept beside it.

A sample release is read from `orchestration/samples/releases/<host>/<path>`, a folder laid out like the
publisher's site, so its `url` in `meta.releases` is a `file://` path on the machine that loaded it: no use
to a reader, and different on every checkout. The path under the host folder is the publisher's own path,
so the publisher's URL is the `live` base of the publisher whose `sample` folder it is, plus that path.
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse

import pyarrow as pa

from orchestration.config import load_settings

SAMPLE_MARKER = "/samples/releases/"


def publisher_url(url: str | None, publishers: dict | None = None) -> str | None:
    """`url` on the publisher's site when it points into the bundled sample, else `url` unchanged."""
    if not url or not url.startswith("file://") or SAMPLE_MARKER not in url:
        return url
    publishers = publishers if publishers is not None else load_settings().releases["publishers"]
    rest = url.split(SAMPLE_MARKER, 1)[1]
    for pub in publishers.values():
        folder = pub["sample"].strip("/") + "/"
        if rest.startswith(folder):
            return pub["live"].rstrip("/") + "/" + rest[len(folder):]
    return url


def local_path(url: str | None) -> str | None:
    """The file a `file://` URL names, as a plain path; None for a URL on the web."""
    if not url or not url.startswith("file://"):
        return None
    return unquote(urlparse(url).path)


def with_publisher_urls(table: pa.Table) -> pa.Table:
    """A result whose `url` column points into the bundled sample gets the publisher's URL in `url` and
    the local file in a `local_path` column right after it; any other result is returned as it is."""
    if "url" not in table.column_names or not pa.types.is_string(table.schema.field("url").type):
        return table
    urls = table.column("url").to_pylist()
    publishers = load_settings().releases["publishers"]
    shown = [publisher_url(u, publishers) for u in urls]
    if shown == urls:
        return table
    i = table.column_names.index("url")
    table = table.set_column(i, "url", pa.array(shown, pa.string()))
    if "local_path" in table.column_names:
        return table
    return table.add_column(i + 1, "local_path", pa.array([local_path(u) for u in urls], pa.string()))
