"""Finding NCD dumps: the index page's release links, newest `fetch_latest` first, each dated by its link text."""

from __future__ import annotations

import re
from typing import Mapping

import requests

from orchestration.connectors import http
from orchestration.connectors.calendar import full_name_number
from orchestration.connectors.release import ParseError, ReleaseRef

FAMILY = "eousa-ncd"

# EOUSA's index and release pages name dumps and disks only in their links' text.
anchors = http.find_links_by_text


def discover(cfg: Mapping, base: str, session: requests.Session, *, months=None, live: bool = False) -> list[ReleaseRef]:
    """The newest `fetch_latest` dumps the index page offers, oldest first.

    A dump is the whole database at a month's end, so the newest restates every older month; older
    dumps matter only as revision history. `months` does not narrow anything: any dump covers all.
    """
    index_url = cfg["index_url"].format(base=base)
    label = f"{FAMILY} index {index_url}"
    links = anchors(http.get_page(session, index_url, label), index_url, base, cfg["release_link_text"])
    if not links:
        raise ParseError(label, f"no link whose text matches {cfg['release_link_text']!r}")
    refs = []
    for url, text, modelled in links:
        if fiscal := re.search(r"(?i)\bFY\s*(\d{4})", text):  # a fiscal-year dump: as of 30 September
            month, key = f"{fiscal.group(1)}-09", f"{fiscal.group(1)}-09-fy"
        else:
            month = key = _link_month(text, label)
        refs.append(ReleaseRef(FAMILY, url, key, {"month": month, "link_text": text, "base": base}, modelled))
    refs.sort(key=lambda r: r.key)
    return refs[-int(cfg.get("fetch_latest", 1)):]


def _link_month(text: str, label: str) -> str:
    """`YYYY-MM` of a link reading "<Month> <YYYY> data files": EOUSA writes month names out in full."""
    m = re.search(r"([A-Za-z]+)\s+(\d{4})", text)
    try:
        if m:
            return f"{m.group(2)}-{full_name_number(m.group(1)):02d}"
    except ValueError:
        pass
    raise ParseError(label, f"release link {text!r} names no month")

