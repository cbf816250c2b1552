"""Finding NCD dumps: the index page's release links, newest `fetch_latest` first, each dated by its link text."""

from __future__ import annotations

import re

import requests
from pydantic import PositiveInt

from orchestration.connectors import http
from orchestration.connectors.calendar import full_name_number
from orchestration.connectors.release import FamilyConfig, ParseError, Pattern, ReleaseRef

FAMILY = "eousa-ncd"


class NcdConfig(FamilyConfig):
    """[families.eousa-ncd] of releases.toml (each key is explained there)."""

    index_url: str  # {base} is the publisher's base URL
    release_link_text: Pattern
    disk_link_text: Pattern
    fetch_latest: PositiveInt = 1
    keep_dumps: PositiveInt
    max_disk_bytes: PositiveInt


# EOUSA's index and release pages name dumps and disks only in their links' text.
anchors = http.find_links_by_text


def discover(cfg: NcdConfig, base: str, session: requests.Session, *, months=None, live: bool = False) -> list[ReleaseRef]:
    """The newest `fetch_latest` dumps the index page offers, oldest first.

    A dump is the whole database at a month's end, so the newest restates every older month; older
    dumps matter only as revision history. `months` does not narrow anything: any dump covers all.
    """
    index_url = cfg.index_url.format(base=base)
    label = f"{FAMILY} index {index_url}"
    links = anchors(http.get_page(session, index_url, label), index_url, base, cfg.release_link_text)
    if not links:
        raise ParseError(label, f"no link whose text matches {cfg.release_link_text!r}")
    refs = []
    for url, text, modelled in links:
        if fiscal := re.search(r"(?i)\bFY\s*(\d{4})", text):  # a fiscal-year dump: as of 30 September
            month, key = f"{fiscal.group(1)}-09", f"{fiscal.group(1)}-09-fy"
        else:
            month = key = _link_month(text, label)
        refs.append(ReleaseRef(FAMILY, url, key, {"month": month, "link_text": text, "base": base}, modelled))
    refs.sort(key=lambda r: r.key)
    return refs[-cfg.fetch_latest:]


def _link_month(text: str, label: str) -> str:
    """`YYYY-MM` of a link reading "<Month> <YYYY> data files": EOUSA writes month names out in full."""
    m = re.search(r"([A-Za-z]+)\s+(\d{4})", text)
    try:
        if m:
            return f"{m.group(2)}-{full_name_number(m.group(1)):02d}"
    except ValueError:
        pass
    raise ParseError(label, f"release link {text!r} names no month")

