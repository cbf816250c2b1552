"""Finding NCD dumps: the index page's release links, newest `fetch_latest` first, each dated by its link text."""

from __future__ import annotations

import re

import lxml.html
import requests
from pydantic import PositiveInt

from orchestration.connectors import http
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

_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}


def anchors(html: str, page_url: str, base: str, text_pattern: str) -> list[tuple[str, str, bool]]:
    """(absolute url, link text, modelled flag) of the links whose visible text matches."""
    if not html.strip():
        return []
    regex = re.compile(text_pattern)
    found, seen = [], set()
    for anchor in lxml.html.fromstring(html).iter("a"):
        href = (anchor.get("href") or "").strip()
        text = " ".join(anchor.text_content().split())
        if not href or not regex.search(text):
            continue
        url = http.resolve_link(href, page_url, base)
        if url and url not in seen:
            seen.add(url)
            found.append((url, text, anchor.get("data-basis") == "modelled"))
    return found


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
        m = re.search(r"([A-Za-z]+)\s+(\d{4})", text)
        if fiscal := re.search(r"(?i)\bFY\s*(\d{4})", text):  # a fiscal-year dump: as of 30 September
            month, key = f"{fiscal.group(1)}-09", f"{fiscal.group(1)}-09-fy"
        elif m and m.group(1).lower() in _MONTHS:
            month = key = f"{m.group(2)}-{_MONTHS[m.group(1).lower()]:02d}"
        else:
            raise ParseError(label, f"release link {text!r} names no month")
        refs.append(ReleaseRef(FAMILY, url, key, {"month": month, "link_text": text, "base": base}, modelled))
    refs.sort(key=lambda r: r.key)
    return refs[-cfg.fetch_latest:]
