"""Publishers whose Drupal sites list their current files on a page (cbp.gov, ohss.dhs.gov): finding the
files, and the month each was posted, from the upload folder Drupal files it under.

What these two publishers share lives here, not in the generic HTTP module: the page's link pattern and
the folder layout are theirs.
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote, urlsplit

import requests

from orchestration.connectors.calendar import month_number
from orchestration.connectors.http import find_links, get_page
from orchestration.connectors.release import FamilyConfig, ParseError, Pattern, ReleaseRef


class LinkedFileConfig(FamilyConfig):
    """A [families.*] section of a family whose files a page lists (CBP, OHSS; keys explained there)."""

    page_url: str  # {base} is the publisher's base URL
    link_pattern: Pattern


def discover_linked_files(
    family: str,
    cfg: LinkedFileConfig,
    base: str,
    session: requests.Session,
    *,
    months: object = None,
    live: bool = False,
) -> list[ReleaseRef]:
    """A `Family.discover` for publishers that list their current files on a page (CBP, OHSS).

    Bind `family` with functools.partial. `months` and `live` do not narrow anything: such a page
    offers only the current files, each covering years, and `base` already says which site to read.
    A page with no matching link has changed layout, which a human must look at: ParseError.
    """
    page_url = cfg.page_url.format(base=base)
    label = f"{family} page {page_url}"
    links = find_links(get_page(session, page_url, label), page_url, base, cfg.link_pattern)
    if not links:
        raise ParseError(label, f"no link matching {cfg.link_pattern!r} on the page")
    refs = []
    for link in links:
        name = unquote(urlsplit(link.url).path.rsplit("/", 1)[-1])
        params = {"file_name": name}
        posted = upload_month(link.url)
        if posted:
            params["posted"] = posted.isoformat()
        refs.append(ReleaseRef(family, link.url, name, params, link.is_modelled))
    return refs


# Drupal files an upload under the month it was posted: .../files/2024-10/x.csv, or
# .../files/assets/documents/2023-Nov/x.csv on CBP's older layout.
_UPLOAD_FOLDER = re.compile(r"^(\d{4})-(\d{2}|[A-Za-z]{3})$")


def upload_month(url: str) -> date | None:
    """The month a publisher's CMS says a file was posted, from its upload folder; None without one.

    A release's publication date is the server's Last-Modified where it sends one; this stands in for it
    where it does not (the file:// samples), so an older edition a page still links is never taken for a
    newer one loaded by hand (whose date is when it was fetched)."""
    for part in reversed(urlsplit(url).path.split("/")[:-1]):
        match = _UPLOAD_FOLDER.match(part)
        if match:
            year, month = match.groups()
            try:  # one month-name table serves every connector (calendar.py)
                number = int(month) if month.isdigit() else month_number(month)
            except ValueError:
                continue
            if 1 <= number <= 12:
                return date(int(year), number, 1)
    return None
