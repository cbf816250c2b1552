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

from urllib.parse import unquote, urlparse

import pyarrow as pa

from orchestration.config import load_settings

SAMPLE_MARKER = "/samples/releases/"
CURATED_MARKER = "/orchestration/published/"


def publisher_url(url: str | None, releases: dict | None = None) -> str | None:
    """`url` on the publisher's site when it points into the bundled sample or is a curated file, else `url`
    unchanged (`releases`: releases.toml as loaded, its publishers and families)."""
    if not url or not url.startswith("file://") or not (SAMPLE_MARKER in url or CURATED_MARKER in url):
        return url
    releases = releases if releases is not None else load_settings().releases
    publishers = releases["publishers"]
    if CURATED_MARKER in url:
        name = unquote(url.rsplit("/", 1)[1])
        for family in releases["families"].values():
            if family.get("file") == name and family.get("publisher") in publishers:
                return publishers[family["publisher"]]["live"]
        return url
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
    releases = load_settings().releases
    shown = [publisher_url(u, releases) for u in urls]
    if shown == urls:
        return table
    i = table.column_names.index("url")
    table = table.set_column(i, "url", pa.array(shown, pa.string()))
    if "local_path" in table.column_names:
        return table
    return table.add_column(i + 1, "local_path", pa.array([local_path(u) for u in urls], pa.string()))
