"""TRAC monthly bulletin pages: name the national pages by URL template, read Table 1 and the ranked tables.

TRAC publishes HTML only and has laid its bulletins out several ways since 2011 (sources.md 1b, and the
pages listed in the README's "TRAC pages the parser was checked against"). So Table 1 is read by meaning,
not position: found by its caption ("Table 1." or "Table 1:", anywhere beside it), each figure by its label
(label before or after the figure, in one row or on consecutive rows, a row of labels over a row of
figures), TRAC's bare five figures in TRAC's order, the small series' four rows ("Number Previous Month"),
or a small series' sentence ("reported 15 new ... up from 7 the previous month"); blank cells are NULL. The
body's "during <Month> <Year> the government reported N new" sentence cross-checks Table 1. The ranked tables
(lead charges, districts) are found by their header labels. When a page has changed beyond these, parsing
fails loudly and names what is missing, rather than guessing.

A page names its own series and month, and every cue counts (`page_identity`): the `<title>` inside any
site chrome, the headings, a "Referring Agency:" line and the URL path; cues that disagree fail, naming
both. Which series exist and what TRAC titles them is TRAC's catalogue (`trac_catalogue.py`); a page of a
series it lacks loads under its URL slug or its title words, flagged `catalogued = false`.

Page text is hostile until bounded: every pattern runs on text cut to a few hundred characters or starts
at a literal, none nests repeats, and a "Table 1" of more than a few dozen cells is refused, so a crafted
page costs time linear in its size (tests/security/test_trac_hostile_pages.py).

TRAC's free district figures are the ranked districts table on each national page: TRAC publishes no
per-district bulletin. Real TRAC pages are published figures; crowdout's sample pages mark each modelled
figure with `data-basis="modelled"` on its cell, and the raw rows list those figures by column name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Iterable
from urllib.parse import urlparse

import lxml.etree
import lxml.html
import pyarrow as pa
from pydantic import StringConstraints

from orchestration.connectors import trac_catalogue
from orchestration.connectors.calendar import (
    MONTH_NAME_PATTERN,
    abbreviation,
    abbreviation_number,
    last_month_ended,
    month_number,
    month_range,
    month_start,
)
from orchestration.connectors.release import (
    Family,
    FamilyConfig,
    ParsedRelease,
    ParseError,
    RawColumn,
    ReleaseRef,
    arrow_schema,
)

FAMILY = "trac-bulletin"

# TRAC's labels, in the order TRAC prints the five figures (a bare row of numbers follows this order).
TABLE1_LABELS = {
    "number_latest_month": "Number Latest Month",
    "pct_change_prev_month": "Percent Change from previous month",
    "pct_change_1yr": "Percent Change from 1 year ago",
    "pct_change_5yr_incl_magistrate": "Percent Change from 5 years ago (Including Magistrate Court)",
    "pct_change_5yr_excl_magistrate": "Percent Change from 5 years ago (Excluding Magistrate Court)",
}
_MODELLED = RawColumn(
    "modelled_figures", "VARCHAR",
    "comma-separated names of this row's columns whose cell is marked data-basis=modelled; '' on real pages",
)
_SERIES = RawColumn("series", "VARCHAR", "bulletin series: the URL slug of TRAC's catalogue (trac_catalogue.py) or, "
                    "for an uncatalogued page, its own URL slug or title words")
_MONTH = RawColumn("month", "DATE", "first day of the bulletin's month")
_CHANGES = [
    RawColumn(f"pct_change_{span}", "DOUBLE", f"percent change from {label} as printed; NULL if not printed")
    for span, label in (("1yr", "1 year ago"), ("5yr", "5 years ago"), ("10yr", "10 years ago"), ("20yr", "20 years ago"))
]
RAW_TABLES = {
    "trac_table1": [
        _SERIES,
        _MONTH,
        RawColumn("page_title", "VARCHAR", "the page's <title>"),
        RawColumn("number_latest_month", "BIGINT", TABLE1_LABELS["number_latest_month"]),
        RawColumn("pct_change_prev_month", "DOUBLE", "percent as printed, on raw monthly counts"),
        RawColumn("pct_change_1yr", "DOUBLE", "percent as printed, on six-month moving averages"),
        RawColumn("pct_change_5yr_incl_magistrate", "DOUBLE", "percent as printed; NULL where the cell is blank"),
        RawColumn("pct_change_5yr_excl_magistrate", "DOUBLE", "percent as printed; NULL where the cell is blank"),
        RawColumn("previous_month_number", "BIGINT", "a small series' 'Number Previous Month' or 'up from 7 the "
                  "previous month'; else NULL"),
        RawColumn("table1_layout", "VARCHAR", "labels (by label, any arrangement) | numbers_first (TRAC's bare "
                  "five) | text (small series without Table 1)"),
        _MODELLED,
        # Added after the first warehouses were built: last, so ensure_schema can append them in this order.
        RawColumn("pct_change_5yr", "DOUBLE", "a small series' one 'Percent Change from 5 years ago'; else NULL"),
        RawColumn("catalogued", "BOOLEAN", "true when the series is in TRAC's catalogue; false: loaded under "
                  "its URL slug or title words, reported by the refresh; NULL on rows loaded before the column"),
        RawColumn("series_kind", "VARCHAR", "program | agency (a referring agency's bulletin); NULL if uncatalogued"),
    ],
    "trac_lead_charges": [
        _SERIES,
        _MONTH,
        RawColumn("rank", "INTEGER", "rank on the page, 1 = most prosecutions"),
        RawColumn("charge_description", "VARCHAR", "lead charge as TRAC describes it"),
        RawColumn("statute", "VARCHAR", "normalised US Code title and section, e.g. 8 USC 1326"),
        RawColumn("prosecutions", "BIGINT", "prosecutions with this lead charge in the month"),
        *_CHANGES,
        _MODELLED,
    ],
    "trac_district_rankings": [
        _SERIES,
        _MONTH,
        RawColumn("rank", "INTEGER", "rank on the page"),
        RawColumn("district_name", "VARCHAR", "TRAC's district name, e.g. Texas, South (Houston)"),
        RawColumn("prosecutions", "BIGINT", "prosecutions in the district in the month"),
        RawColumn("per_capita_rate", "DOUBLE", "prosecutions per one million people; NULL if absent"),
        *_CHANGES,
        _MODELLED,
    ],
}

# Column headers of the ranked tables, matched case-insensitively against the whole header text with
# its spaces removed. Required columns first; the change columns are kept when the table has them.
_CHANGE_HEADERS = {
    "pct_change_1yr": r"(percentchange)?(from)?1yrs?ago",
    "pct_change_5yr": r"(percentchange)?(from)?5yrs?ago",
    "pct_change_10yr": r"(percentchange)?(from)?10yrs?ago",
    "pct_change_20yr": r"(percentchange)?(from)?20yrs?ago",
}
_LEAD_CHARGE_COLUMNS = {
    "charge_description": r"leadcharge",
    "prosecutions": r"count|number|prosecutions",
    "rank": r"rank",
}
_LEAD_CHARGE_OPTIONAL = {"statute": r"(uscode)?title/section", **_CHANGE_HEADERS}
_DISTRICT_COLUMNS = {
    "district_name": r"(judicial|federal)?district",
    "prosecutions": r"number|prosecutions|count",
    "rank": r"rank",
}
_DISTRICT_OPTIONAL = {"per_capita_rate": r"percapita|(prosecutions)?per(one)?millionpeople", **_CHANGE_HEADERS}

_MISSING = {"", "-", "na", "n/a", "\u2014", "\u2013"}
# Table 1's labels beyond the five: a small series prints "Number Previous Month" and one five-year change.
_TABLE1_LABEL_TEXT = {
    **TABLE1_LABELS,
    "previous_month_number": "Number Previous Month",
    "pct_change_5yr": "Percent Change from 5 years ago",
}
_TABLE1_SMALL = ("number_latest_month", "previous_month_number", "pct_change_1yr", "pct_change_5yr")
_TABLE1_COUNTS = {"number_latest_month", "previous_month_number"}
_TABLE1_BY_LABEL = {re.sub(r"\s+", "", label).lower(): column for column, label in _TABLE1_LABEL_TEXT.items()}
_FIVE_YEARS = "percentchangefrom5yearsago"
_QUALIFIERS = {"(includingmagistratecourt)", "(excludingmagistratecourt)"}
_MAX_TABLE1_CELLS = 64  # TRAC's Table 1 has five to twelve cells; a bigger table is not it
_CAPTION = re.compile(r"Table 1[.:]")
_COUNT = re.compile(r"\d{1,3}(?:,\d{3})*|\d+")
_NUMBER = re.compile(r"[-\u2212+]?\d{1,12}(?:,\d{3}){0,4}(?:\.\d{1,6})?\s?%?")
_MONTH_WORDS = f"({MONTH_NAME_PATTERN})"
# Every pattern below is matched on bounded text (a title or heading cut to _MAX_CUE characters) or starts
# with a literal, and none nests repeats: a crafted page cannot make matching slower than linear.
_MAX_CUE = 300  # a title, heading or "Referring Agency:" line longer than this is read up to here
_MAX_HEADINGS = 20  # TRAC's bulletin titles are among a page's first headings
_MAX_WORDS = 80  # longer words before "Prosecutions for" are prose, not a bulletin's title
_PROSECUTIONS_FOR = re.compile(rf"Prosecutions for {_MONTH_WORDS} (\d{{4}})\b", re.I)
# Site chrome around a title: "TRAC Reports: ...", "... | TRAC", "... - TRAC" (a bare hyphen is a word's).
_CHROME = re.compile(r"\s[|\u2013\u2014-]\s|[|:]\s?")
_AGENCY = re.compile(r"Referring Agency:\s*([^|:]{1,120})", re.I)
_DURING = re.compile(rf"during {_MONTH_WORDS},? (\d{{4}}),? the government reported (\d[\d,]{{0,12}}) new", re.I)
_PREVIOUS = re.compile(r"(?:up|down) from (\d[\d,]{0,12}) (?:in )?the previous month", re.I)
_SENTENCE_WINDOW = 600  # "this number is up from 7 the previous month" follows "reported N new" within this
_STATUTE = re.compile(r"(\d{1,2})\s*U\.?\s*S\.?\s*C\.?\s*(?:Sec\.?|§)*\s*(\d+[A-Za-z]?(?:/\d+[A-Za-z]?)?)", re.I)
_BULLETIN_PATH = re.compile(
    r"/bulletins/(?P<series>[a-z0-9_]{1,40})/monthly(?P<mon>[a-z]{3})(?P<yy>\d{2})/(?P<kind>fil|gui)/?(?:index\.html?)?$"
)


# --- discovery -------------------------------------------------------------------------------------

Month = Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]  # YYYY-MM


class BulletinConfig(FamilyConfig):
    """[families.trac-bulletin] of releases.toml (each key is explained there)."""

    national_url: str  # {base}, {series}, {mon} (jan..dec) and {yy}
    series: tuple[str, ...]
    sample_series: tuple[str, ...] | None = None  # None: the sample has pages for every series
    first_month: Month
    sample_last_month: Month


def discover(
    cfg: BulletinConfig,
    base: str,
    session=None,
    *,
    months: Iterable[date | str] | None = None,
    live: bool = False,
    today: date | None = None,
) -> list[ReleaseRef]:
    """The national bulletin page of every configured series and month; no network needed.

    TRAC has no index to crawl, so the pages are named from the URL template, for each series `_coverage`
    says TRAC has and each of `months` (by default first_month to the last month it has): every page named
    should exist, and a missing one is a failure. `session` is accepted so every family is called alike.
    """
    offered, last = _coverage(cfg, live, today)
    first = month_start(cfg.first_month)
    wanted = [month_start(m) for m in months] if months is not None else month_range(first, last)
    refs = []
    for series in offered:
        for month in wanted:
            url = cfg.national_url.format(
                base=base.rstrip("/"), series=series, mon=abbreviation(month.month), yy=f"{month.year % 100:02d}"
            )
            params = {"series": series, "month": f"{month:%Y-%m}"}
            refs.append(ReleaseRef(family=FAMILY, url=url, key=f"{series}/{month:%Y-%m}", params=params))
    return refs


def params_from_url(url: str, cfg: BulletinConfig | None) -> dict[str, str]:
    """Series and month of a bulletin page named by hand, when its URL or saved path is TRAC's.

    Any other name is fine too: the page names its own series and month, which parsing reads. A URL that
    is TRAC's gives the parser a promise to check the content against (TRAC has served stale pages).
    """
    m = _BULLETIN_PATH.search(urlparse(url).path)
    if not m:
        return {}
    try:
        month = date(2000 + int(m.group("yy")), abbreviation_number(m.group("mon")), 1)
    except ValueError:  # three letters that name no month
        return {}
    series = m.group("series")
    return {"series": series, "month": f"{month:%Y-%m}", "key": f"{series}/{month:%Y-%m}"}


def _coverage(cfg: BulletinConfig, live: bool, today: date | None) -> tuple[list[str], date]:
    """The series and the last month TRAC has pages for: the one place where the bundled sample differs.

    TRAC has no index, so discovery names pages it expects to exist. The live site has every configured
    series up to the last month ended publication_lag_days ago; the sample is a snapshot, declared on the
    family in releases.toml (`sample_series` up to `sample_last_month`)."""
    if live:
        return cfg.series, last_month_ended(today or date.today(), cfg.publication_lag_days)
    return cfg.sample_series or cfg.series, month_start(cfg.sample_last_month)


# --- parsing ---------------------------------------------------------------------------------------


def parse(path: Path, ref: ReleaseRef) -> ParsedRelease:
    """Table 1 (or a small series' sentence), plus the lead-charge and district tables when present."""
    try:
        doc = lxml.html.document_fromstring(Path(path).read_bytes())
    except lxml.etree.ParserError as exc:  # an empty or whitespace-only body
        raise ParseError(ref, f"not an HTML page: {exc}") from None
    identity = page_identity(doc, ref)
    page = {"series": identity.series, "month": identity.month}
    entry = trac_catalogue.BY_SLUG.get(identity.series) if identity.catalogued else None

    figures = _table1(doc, ref, identity)
    table1 = [{**page, "catalogued": identity.catalogued, "series_kind": entry.kind if entry else None,
               "page_title": identity.title, **figures}]
    charges = [{**page, **row} for row in _ranked(doc, ref, _LEAD_CHARGE_COLUMNS, _LEAD_CHARGE_OPTIONAL, _charge_row)]
    districts = [{**page, **row} for row in _ranked(doc, ref, _DISTRICT_COLUMNS, _DISTRICT_OPTIONAL, _district_row)]
    rows = {"trac_table1": table1, "trac_lead_charges": charges, "trac_district_rankings": districts}
    try:
        tables = {name: pa.Table.from_pylist(rows[name], schema=arrow_schema(RAW_TABLES[name])) for name in RAW_TABLES}
    except (OverflowError, pa.ArrowInvalid) as exc:  # a count too large for its column
        raise ParseError(ref, f"a figure out of range: {exc}") from None
    _cross_check(figures, identity, ref)
    modelled = any(row["modelled_figures"] for table in rows.values() for row in table)
    return ParsedRelease(tables=tables, months=[identity.month], modelled=modelled)


def _text(el) -> str:
    return " ".join(el.text_content().split())


def _squash(text: str) -> str:
    """Text compared without case, spaces or a trailing colon: '5 years ago<br>(Including' has no space."""
    return re.sub(r"\s+", "", text).rstrip(":").lower()


@dataclass(frozen=True)
class PageIdentity:
    """The series and month a page is for, whether the catalogue knows its series, and what said so."""

    series: str
    month: date
    catalogued: bool
    title: str
    reported: int | None  # the body's "the government reported N new ..." (a cross-check on Table 1)
    previous: int | None  # the body's "up from M the previous month", when the page says it


def page_identity(doc, ref: ReleaseRef) -> PageIdentity:
    """The series and month every cue on the page and in its URL names; cues that disagree fail, naming both.

    Cues: the `<title>` (inside any site chrome: "X: ...", "... | X", "... - X"), each heading, a
    "Referring Agency:" line, the body's "during <Month> <Year> the government reported N new" sentence
    (month only), and the URL path `bulletins/<slug>/monthly<mon><yy>/<fil|gui>` or what discovery promised.
    A page saved by hand under any name, with no URL, loads from its own words.
    """
    title = " ".join((doc.findtext(".//title") or "").split())
    body = _text(doc.body) if doc.body is not None else ""
    months: list[tuple[str, date]] = []  # (where, month)
    words: list[tuple[str, str]] = []  # (where, words before "Prosecutions for")
    for where, text in (("title", title), *(("heading", _text(h)[:_MAX_CUE]) for h in doc.xpath("//h1|//h2|//h3|//h4")[:_MAX_HEADINGS])):
        for m in _PROSECUTIONS_FOR.finditer(text[:_MAX_CUE]):
            before = _CHROME.split(text[:m.start()])[-1].strip()
            if len(before) <= _MAX_WORDS:
                months.append((f"{where} {text!r}", date(int(m.group(2)), month_number(m.group(1)), 1)))
                words.append((f"{where} {text!r}", " ".join(before.lower().split())))
    during = _DURING.search(body)
    reported = previous = None
    if during:
        months.append(("sentence 'during ...'", date(int(during.group(2)), month_number(during.group(1)), 1)))
        reported = int(during.group(3).replace(",", ""))
        after = _PREVIOUS.search(body, during.end(), during.end() + _SENTENCE_WINDOW)
        previous = int(after.group(1).replace(",", "")) if after else None
    url = _url_cue(ref)
    if url.get("month"):
        months.append((f"URL {ref.url!r}", month_start(url["month"])))
    if not months:
        raise ParseError(ref, f"page {title!r} names no bulletin month ('Prosecutions for <Month> <Year>')")
    if not words and not (during and "prosecution" in body[during.end():during.end() + _SENTENCE_WINDOW // 3].lower()):
        raise ParseError(ref, f"page {title!r} is not a prosecutions bulletin: it says neither 'Prosecutions for "
                              "<Month> <Year>' nor 'the government reported N new ... prosecutions'")
    for where, month in months[1:]:
        if month != months[0][1]:
            raise ParseError(ref, f"page {title!r} is for {months[0][1]:%Y-%m} by its {months[0][0]} "
                                  f"but for {month:%Y-%m} by its {where}")
    series, catalogued = _series(doc, title, words, url, ref)
    return PageIdentity(series, months[0][1], catalogued, title, reported, previous)


def _url_cue(ref: ReleaseRef) -> dict[str, str]:
    """What the URL says: the series and month discovery promised, else those TRAC's path spells."""
    path = _BULLETIN_PATH.search(urlparse(ref.url).path)
    if path and path.group("kind") == "gui":
        raise ParseError(ref, "a TRAC convictions bulletin (/gui): crowdout loads the prosecutions bulletins (/fil)")
    promised = {k: ref.params[k] for k in ("series", "month") if ref.params.get(k)}
    return {**params_from_url(ref.url, None), **promised}


def _series(doc, title: str, words: list[tuple[str, str]], url: dict, ref: ReleaseRef) -> tuple[str, bool]:
    """(slug, catalogued): a program by its title words, an agency by its "Referring Agency:" line."""
    named = []  # (where, slug, catalogued)
    for where, text in words:
        if text:  # "Prosecutions for" alone is the overall bulletin, or an agency's (below)
            entry = trac_catalogue.program_named(text)
            named.append((where, entry.slug, True) if entry else (where, _slug(text), False))
    for where, name in _agencies(doc, title):
        entry = trac_catalogue.agency_named(name)
        named.append((where, entry.slug, True) if entry else (where, _slug(name), False))
    if not named and words:
        named.append((words[0][0], "overall", True))
    for where, slug, _ in named[1:]:
        if slug != named[0][1]:
            raise ParseError(ref, f"page {title!r} is the {named[0][1]!r} bulletin by its {named[0][0]} "
                                  f"but the {slug!r} bulletin by its {where}")
    promised = url.get("series")
    if not named:
        if not promised:
            raise ParseError(ref, f"page {title!r} names no TRAC series ('<Program> Prosecutions for ...' "
                                  "or 'Referring Agency: ...') and its URL names none")
        return promised, promised in trac_catalogue.BY_SLUG
    where, slug, catalogued = named[0]
    if promised and promised != slug and (catalogued or promised in trac_catalogue.BY_SLUG):
        raise ParseError(ref, f"page {title!r} is the {slug!r} bulletin by its {where}, "
                              f"but its URL names {promised!r} ({ref.url})")
    if not catalogued and promised:  # TRAC's own slug for a series the catalogue lacks
        return promised, False
    return slug, catalogued


def _agencies(doc, title: str) -> list[tuple[str, str]]:
    """Each "Referring Agency: <name>" the title or the page prints (the first few: TRAC prints one)."""
    found = []
    texts = [("title", title)]
    for node in doc.xpath("//text()[contains(normalize-space(.), 'Referring Agency')]")[:5]:
        own = " ".join(str(node)[:_MAX_CUE].split())
        if own.rstrip().endswith(":") and node.getparent() is not None:  # "Referring Agency: <b>name</b>"
            own = _text(node.getparent())[:_MAX_CUE]
        texts.append(("line", own))
    for where, text in texts:
        m = _AGENCY.search(text[:_MAX_CUE])
        name = _CHROME.split(m.group(1))[0].strip() if m else ""  # "...: <agency> - <site>"
        if name:
            found.append((f"{where} {text!r}", " ".join(name.lower().split())))
    return found


def _slug(words: str) -> str:
    """A series name for an uncatalogued page saved by hand: its title words, as a URL slug would be."""
    return re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")[:40] or "unnamed"


def _table1(doc, ref: ReleaseRef, identity: PageIdentity) -> dict:
    """Table 1's figures by their labels wherever they sit; TRAC's bare five; or a small series' sentence."""
    marks = doc.xpath(
        "//text()[starts-with(normalize-space(.), 'Table 1:') or starts-with(normalize-space(.), 'Table 1.')]"
    )
    if not marks:
        if identity.reported is None or identity.previous is None:
            raise ParseError(ref, "no 'Table 1' caption and no 'reported N new ... prosecutions ... up from M "
                                  "the previous month' sentence")
        return {"number_latest_month": identity.reported, "previous_month_number": identity.previous,
                "table1_layout": "text", "modelled_figures": ""}
    holder = marks[0].getparent()
    candidates = holder.xpath("ancestor::table[1]") + holder.xpath("preceding::table[1]") + holder.xpath("following::table[1]")
    problems = []
    for table in candidates:
        try:
            layout, cells = _table1_cells(table)
        except _NotTable1 as exc:
            problems.append(str(exc))
            continue
        values = {}
        for column, cell in cells.items():
            text = _text(cell) if cell is not None else ""
            if column in _TABLE1_COUNTS:
                values[column] = _count(text, ref, _TABLE1_LABEL_TEXT[column])
            else:
                values[column] = _decimal(text, ref, _TABLE1_LABEL_TEXT[column])
        return {**values, "table1_layout": layout,
                "modelled_figures": _modelled({k: c for k, c in cells.items() if c is not None})}
    raise ParseError(ref, problems[0] if problems else "'Table 1' caption is beside no table")


class _NotTable1(Exception):
    """A table beside the caption that is not Table 1, and why (the first reason is reported)."""


def _table1_cells(table) -> tuple[str, dict]:
    """Each figure's cell (None where TRAC left it blank), by label in any arrangement, or TRAC's bare five.

    Labels pair with the cell beside them in reading order (label-first or number-first, the page's first
    figure tells which), or, for a row of labels, with the neighbouring row of figures cell by cell.
    """
    rows = []
    for tr in table.iter("tr"):
        row = [[cell, _text(cell)[:_MAX_CUE]] for cell in tr.xpath("./th|./td")]
        rows.append(row)
        if sum(map(len, rows)) > _MAX_TABLE1_CELLS:
            raise _NotTable1(f"the table beside 'Table 1' has over {_MAX_TABLE1_CELLS} cells; TRAC's Table 1 has "
                             "at most a dozen")
    rows = [[c for c in row if not _CAPTION.match(c[1])] for row in rows]
    _join_qualifiers(rows)
    rows = [[(cell, text, _kind(text)) for cell, text in row if text is not None] for row in rows]
    rows = [row for row in rows if row]
    labelled = [(r, i) for r, row in enumerate(rows) for i, (_, _, kind) in enumerate(row) if kind in _TABLE1_BY_LABEL]
    if not labelled:
        figures = [cell for row in rows for cell, _, kind in row if kind in ("count", "number")]
        if len(figures) == len(TABLE1_LABELS) and _COUNT.fullmatch(_text(figures[0])) \
                and all(kind != "text" for row in rows for _, _, kind in row):
            return "numbers_first", dict(zip(TABLE1_LABELS, figures))
        raise _NotTable1("no Table 1 labels nor a row of five figures")
    cells: dict = {}
    flat = [(r, i) for r, row in enumerate(rows) for i in range(len(row))]
    first_figure = next((n for n, (r, i) in enumerate(flat) if rows[r][i][2] in ("count", "number")), len(flat))
    labels_first = flat.index(labelled[0]) < first_figure
    for n, (r, i) in enumerate(flat):
        column = _TABLE1_BY_LABEL.get(rows[r][i][2])
        if column is None:
            continue
        if column in cells:
            raise _NotTable1(f"Table 1 prints {_TABLE1_LABEL_TEXT[column]!r} twice")
        row = rows[r]
        if len(row) > 1 and all(kind in _TABLE1_BY_LABEL for _, _, kind in row):  # a row of labels
            cells[column] = _beside_row(rows, r, i, labels_first)
            continue
        m = n + 1 if labels_first else n - 1
        partner = flat[m] if 0 <= m < len(flat) else None
        if partner is None or rows[partner[0]][partner[1]][2] in _TABLE1_BY_LABEL:
            cells[column] = None  # no figure beside the label: TRAC left it blank
        else:
            cells[column] = rows[partner[0]][partner[1]][0]
    wanted = _TABLE1_SMALL if cells.keys() & {"previous_month_number", "pct_change_5yr"} else tuple(TABLE1_LABELS)
    for column in wanted:
        if column not in cells:
            raise _NotTable1(f"Table 1 has no {_TABLE1_LABEL_TEXT[column]!r} figure")
    extra = [c for c in cells if c not in wanted]
    if extra:
        raise _NotTable1(f"Table 1 prints {_TABLE1_LABEL_TEXT[extra[0]]!r} beside figures of another layout")
    for column in _TABLE1_COUNTS & cells.keys():
        if cells[column] is None:
            raise _NotTable1(f"Table 1 prints no figure beside {_TABLE1_LABEL_TEXT[column]!r}")
    return "labels", cells


def _beside_row(rows: list, r: int, i: int, labels_first: bool):
    """The cell under (or over) a label in a row of labels: same position in the neighbouring row."""
    for other in ((r + 1, r - 1) if labels_first else (r - 1, r + 1)):
        if 0 <= other < len(rows) and len(rows[other]) == len(rows[r]) \
                and not any(kind in _TABLE1_BY_LABEL for _, _, kind in rows[other]):
            return rows[other][i][0]
    return None


def _join_qualifiers(rows: list[list]) -> None:
    """'Percent Change from 5 years ago' and '(Including Magistrate Court)' in two cells are one label."""
    previous = None
    for row in rows:
        for item in row:
            if previous is not None and _squash(item[1]) in _QUALIFIERS and _squash(previous[1]) == _FIVE_YEARS:
                previous[1] = f"{previous[1]} {item[1]}"
                item[1] = None
            if item[1]:
                previous = item


def _kind(text: str) -> str:
    """A cell's kind: one of the squashed Table 1 labels, 'count', 'number', 'blank' or 'text'."""
    squashed = _squash(text)
    if squashed in _TABLE1_BY_LABEL:
        return squashed
    if text.strip().lower() in _MISSING:
        return "blank"
    if _COUNT.fullmatch(text):
        return "count"
    return "number" if _NUMBER.fullmatch(text) else "text"


def _cross_check(figures: dict, identity: PageIdentity, ref: ReleaseRef) -> None:
    """The body's "reported N new" (and "up from M the previous month") must agree with Table 1."""
    if figures["table1_layout"] == "text":
        return
    if identity.reported is not None and identity.reported != figures["number_latest_month"]:
        raise ParseError(ref, f"Table 1 prints {figures['number_latest_month']:,} prosecutions but the page's "
                              f"sentence says the government reported {identity.reported:,}")
    previous = figures.get("previous_month_number")
    if previous is not None and identity.previous is not None and identity.previous != previous:
        raise ParseError(ref, f"Table 1 prints {previous:,} for the previous month but the page's sentence "
                              f"says {identity.previous:,}")


def _ranked(doc, ref: ReleaseRef, columns: dict[str, str], optional: dict[str, str], make_row) -> list[dict]:
    """Rows of the table whose header names every required column; [] if the page has no such table.

    The header is the first row, or the first two when TRAC splits 'Percent Change' over '1yr ago' etc.;
    a table headed by the first required column but lacking another is a changed format, so it fails.
    """
    key = next(iter(columns))
    for table in doc.iter("table"):
        rows = [row.xpath("./th|./td") for row in table.iter("tr")]
        if not rows:
            continue
        headers = [_squash(_text(cell)) for cell in rows[0]]
        if not any(re.fullmatch(columns[key], h) for h in headers):
            continue
        body = rows[1:]
        if body and all(c.tag == "th" for c in body[0]):  # a second header row under a spanning header
            headers = [h for h in headers if h not in ("percentchange", "percentchangefrom")] + [
                _squash(_text(c)) for c in body[0]
            ]
            body = body[1:]
        positions = {}
        for column, pattern in {**columns, **optional}.items():
            found = [i for i, h in enumerate(headers) if re.fullmatch(pattern, h)]
            if found:
                positions[column] = found[0]
            elif column in columns:
                raise ParseError(ref, f"table headed {headers} has no {column!r} column")
        for cells in body:
            if len(cells) != len(headers):
                raise ParseError(ref, f"table headed {headers} has a row of {len(cells)} cells")
        return [make_row({k: cells[i] for k, i in positions.items()}, ref) for cells in body]
    return []


def _changes(cells: dict, ref: ReleaseRef) -> dict:
    return {c: _decimal(_text(cells[c]), ref, c) if c in cells else None for c in _CHANGE_HEADERS}


def _charge_row(cells: dict, ref: ReleaseRef) -> dict:
    """A lead charge; TRAC prints the statute in its own column or inside the description cell."""
    description = _text(cells["charge_description"])
    statute_text = _text(cells["statute"]) if "statute" in cells else description
    m = _STATUTE.search(statute_text[:_MAX_CUE])
    if not m:
        raise ParseError(ref, f"lead charge {statute_text!r} names no US Code title and section")
    if "statute" not in cells:  # "08 USC 1326 - Reentry of deported alien"
        description = description[m.end():].strip(" -\u2013:") or description
    return {
        "rank": _count(_text(cells["rank"]), ref, "Rank"),
        "charge_description": description,
        "statute": f"{int(m.group(1))} USC {m.group(2)}",
        "prosecutions": _count(_text(cells["prosecutions"]), ref, "lead charge prosecutions"),
        **_changes(cells, ref),
        "modelled_figures": _modelled(cells),
    }


def _district_row(cells: dict, ref: ReleaseRef) -> dict:
    rate = cells.get("per_capita_rate")
    return {
        "rank": _count(_text(cells["rank"]), ref, "Rank"),
        "district_name": _text(cells["district_name"]),
        "prosecutions": _count(_text(cells["prosecutions"]), ref, "district prosecutions"),
        "per_capita_rate": _decimal(_text(rate), ref, "per capita rate") if rate is not None else None,
        **_changes(cells, ref),
        "modelled_figures": _modelled(cells),
    }


def _count(text: str, ref: ReleaseRef, label: str) -> int:
    if len(text) > _MAX_CUE or not _COUNT.fullmatch(text):  # int() of thousands of digits is slow, then refused
        shown = text if len(text) <= 40 else f"{text[:40]}... ({len(text):,} characters)"
        raise ParseError(ref, f"{label}: {shown!r} is not a count")
    return int(text.replace(",", ""))


def _decimal(text: str, ref: ReleaseRef, label: str) -> float | None:
    """A printed decimal (`-1.4`, `22.2%`); blank, dash or NA means TRAC printed no figure."""
    cleaned = text.replace("%", "").replace("\u2212", "-").replace(",", "").strip()
    if cleaned.lower() in _MISSING:
        return None
    try:
        return float(cleaned)
    except ValueError:
        raise ParseError(ref, f"{label}: {text!r} is not a number") from None


def _modelled(cells: dict) -> str:
    """The names of the figures whose cell is marked modelled (crowdout's sample pages only)."""
    return ",".join(
        name for name, cell in cells.items()
        if cell.get("data-basis") == "modelled" or cell.xpath(".//*[@data-basis='modelled']")
    )


BULLETIN = Family(
    name=FAMILY, raw_tables=RAW_TABLES, discover=discover, parse=parse, params_from_url=params_from_url,
    addressed_by_month=True, restated=False, config=BulletinConfig,
)
