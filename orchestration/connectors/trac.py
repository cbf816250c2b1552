"""TRAC monthly bulletin pages: name the national pages by URL template, read Table 1 and the ranked tables.

TRAC publishes HTML only and has laid its bulletins out several ways since 2011 (sources.md 1b, and the
pages listed in the README's "TRAC pages the parser was checked against"): the Table 1 caption ("Table 1."
or "Table 1:") sits after the figures, as the last row of their table or just below it, or above them;
the figures come label-first ("Number Latest Month | 12,348") or as a bare row of five numbers in TRAC's
fixed order; labels may be split over two lines; the five-year cells may be blank; and small series print
no Table 1 but say "reported 15 new ... prosecutions ... up from 7 the previous month". So nothing here
depends on a cell's position beyond TRAC's own order of the five figures: Table 1 is found by its caption
and labels, the ranked tables (lead charges, districts) by their header labels. When a page has changed
beyond these, parsing fails loudly and names what is missing, rather than guessing.

A page names its own series and month (title, headings, or the "during June 2018" sentence), so a page
saved by hand under any file name loads from its content; when the URL also names them, both must agree.

TRAC's free district figures are the ranked districts table on each national page: TRAC publishes no
per-district bulletin. Real TRAC pages are published figures; crowdout's sample pages mark each modelled
figure with `data-basis="modelled"` on its cell, and the raw rows list those figures by column name.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable
from urllib.parse import urlparse

import lxml.etree
import lxml.html
import pyarrow as pa

from orchestration.connectors.calendar import month_number
from orchestration.connectors.release import (
    Family,
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
_SERIES = RawColumn("series", "VARCHAR", "bulletin series: immigration, overall, hsaa, jdea (or another TRAC program)")
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
        RawColumn("previous_month_number", "BIGINT", "small series' 'up from 7 the previous month'; else NULL"),
        RawColumn("table1_layout", "VARCHAR", "labels | numbers_first | text (small series without Table 1)"),
        _MODELLED,
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
_MONTH_WORDS = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_TITLE_MONTH = re.compile(rf"(?:^|\b)(.*?)\s*Prosecutions for {_MONTH_WORDS} (\d{{4}})\b", re.I)
_DURING_MONTH = re.compile(rf"during {_MONTH_WORDS} (\d{{4}}) the government reported", re.I)
_AGENCY = re.compile(r"Referring Agency:\s*(.+)", re.I)
# Program bulletins by the words before "Prosecutions for"; agency bulletins by the referring agency.
_PROGRAMS = {"": "overall", "immigration": "immigration", "drug": "drugs", "drugs": "drugs",
             "organized crime": "orgcrime", "government regulatory": "regulation"}
_AGENCIES = {"drug enforcement administration": "jdea",
             "immigration and customs in homeland security": "hsaa",
             "social security administration": "zssa"}
_SMALL_SERIES = re.compile(
    r"the government reported (\d[\d,]*) new [\w\s-]*?prosecutions.*?this number is (?:up|down) from (\d[\d,]*) "
    r"the previous month", re.I | re.S,
)
_STATUTE = re.compile(r"(\d{1,2})\s*U\.?\s*S\.?\s*C\.?\s*(?:Sec\.?|§)*\s*(\d+[A-Za-z]?(?:/\d+[A-Za-z]?)?)", re.I)
_BULLETIN_PATH = re.compile(
    r"/bulletins/(?P<series>[a-z]+)/monthly(?P<mon>[a-z]{3})(?P<yy>\d{2})/fil/?(?:index\.html?)?$"
)
# TRAC's URLs spell months in English whatever the process locale (strftime's %b would not).
_MON = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


# --- discovery -------------------------------------------------------------------------------------


def discover(
    cfg: dict,
    base: str,
    session=None,
    *,
    months: Iterable[date | str] | None = None,
    live: bool = False,
    today: date | None = None,
) -> list[ReleaseRef]:
    """The national bulletin page of every configured series and month; no network needed.

    TRAC has no index to crawl, so the pages are named from the URL template. Without explicit months,
    the sample covers first_month..sample_last_month; live mode asks only for months that ended at least
    publication_lag_days ago, so every page named should exist and a missing one is a failure.
    `session` is accepted so every family is called alike.
    """
    wanted = [month_start(m) for m in months] if months is not None else _default_months(cfg, live, today)
    refs = []
    for series in cfg["series"]:
        for month in wanted:
            url = cfg["national_url"].format(
                base=base.rstrip("/"), series=series, mon=_MON[month.month - 1], yy=f"{month.year % 100:02d}"
            )
            params = {"series": series, "month": f"{month:%Y-%m}"}
            refs.append(ReleaseRef(family=FAMILY, url=url, key=f"{series}/{month:%Y-%m}", params=params))
    return refs


def params_from_url(url: str, cfg: dict) -> dict[str, str]:
    """Series and month of a bulletin page named by hand, when its URL or saved path is TRAC's.

    Any other name is fine too: the page names its own series and month, which parsing reads. A URL that
    is TRAC's gives the parser a promise to check the content against (TRAC has served stale pages).
    """
    m = _BULLETIN_PATH.search(urlparse(url).path)
    if not m or m.group("mon") not in _MON:
        return {}
    month = date(2000 + int(m.group("yy")), _MON.index(m.group("mon")) + 1, 1)
    series = m.group("series")
    return {"series": series, "month": f"{month:%Y-%m}", "key": f"{series}/{month:%Y-%m}"}


def month_start(value: date | str) -> date:
    """The first of the month of a date, or of a 'YYYY-MM' string as the CLI and params spell months."""
    if isinstance(value, date):
        return value.replace(day=1)
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def _default_months(cfg: dict, live: bool, today: date | None) -> list[date]:
    first = month_start(cfg["first_month"])
    if live:
        cutoff = (today or date.today()) - timedelta(days=int(cfg["publication_lag_days"]))
        last = add_months((cutoff + timedelta(days=1)).replace(day=1), -1)  # the last month ended by cutoff
    else:
        last = month_start(cfg["sample_last_month"])
    return month_range(first, last)


def month_range(first: date, last: date) -> list[date]:
    """First days of the months from `first` to `last`, both included."""
    return [add_months(first, i) for i in range((last.year - first.year) * 12 + last.month - first.month + 1)]


def add_months(month: date, n: int) -> date:
    """The first of the month n months after `month` (before, if n < 0)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


# --- parsing ---------------------------------------------------------------------------------------


def parse(path: Path, ref: ReleaseRef) -> ParsedRelease:
    """Table 1 (or a small series' sentence), plus the lead-charge and district tables when present."""
    try:
        doc = lxml.html.document_fromstring(Path(path).read_bytes())
    except lxml.etree.ParserError as exc:  # an empty or whitespace-only body
        raise ParseError(ref, f"not an HTML page: {exc}") from None
    series, month = page_identity(doc, ref)
    title = " ".join((doc.findtext(".//title") or "").split())
    page = {"series": series, "month": month}

    table1 = [{**page, "page_title": title, **_table1(doc, ref)}]
    charges = [{**page, **row} for row in _ranked(doc, ref, _LEAD_CHARGE_COLUMNS, _LEAD_CHARGE_OPTIONAL, _charge_row)]
    districts = [{**page, **row} for row in _ranked(doc, ref, _DISTRICT_COLUMNS, _DISTRICT_OPTIONAL, _district_row)]
    rows = {"trac_table1": table1, "trac_lead_charges": charges, "trac_district_rankings": districts}
    try:
        tables = {name: pa.Table.from_pylist(rows[name], schema=arrow_schema(RAW_TABLES[name])) for name in RAW_TABLES}
    except (OverflowError, pa.ArrowInvalid) as exc:  # a count too large for its column
        raise ParseError(ref, f"a figure out of range: {exc}") from None
    modelled = any(row["modelled_figures"] for table in rows.values() for row in table)
    return ParsedRelease(tables=tables, months=[month], modelled=modelled)


def _text(el) -> str:
    return " ".join(el.text_content().split())


def _squash(text: str) -> str:
    """Text compared without case, spaces or a trailing colon: '5 years ago<br>(Including' has no space."""
    return re.sub(r"\s+", "", text).rstrip(":").lower()


def page_identity(doc, ref: ReleaseRef) -> tuple[str, date]:
    """The series and month the page says it is for, checked against what its URL promised, if anything."""
    title = " ".join((doc.findtext(".//title") or "").split())
    headings = [_text(h) for h in doc.xpath("//h1|//h2|//h3|//h4")]
    body = _text(doc.body) if doc.body is not None else ""
    month, program = None, None
    for text in (title, *headings):
        m = _TITLE_MONTH.search(text)
        if m:
            program = m.group(1).strip().lower()
            month = date(int(m.group(3)), month_number(m.group(2)), 1)
            break
    if month is None:
        m = _DURING_MONTH.search(body)
        if not m:
            raise ParseError(ref, f"page {title!r} names no bulletin month ('Prosecutions for <Month> <Year>')")
        month = date(int(m.group(2)), month_number(m.group(1)), 1)
    series = None
    for text in (title, *headings):
        agency = _AGENCY.search(text)
        if agency:
            name = agency.group(1).strip().lower()
            series = _AGENCIES.get(name)
            if series is None:
                raise ParseError(ref, f"referring agency {agency.group(1)!r} is not a TRAC series crowdout knows")
            break
    if series is None:
        if program is None or program not in _PROGRAMS:
            raise ParseError(ref, f"page {title!r} names no TRAC series crowdout knows")
        series = _PROGRAMS[program]
    promised = ref.params
    if promised.get("month") and f"{month:%Y-%m}" != promised["month"]:
        raise ParseError(ref, f"page {title!r} is for {month:%Y-%m}, expected {promised['month']}")
    if promised.get("series") and series != promised["series"]:
        raise ParseError(ref, f"page {title!r} is the {series!r} bulletin, expected {promised['series']!r}")
    return series, month


def _table1(doc, ref: ReleaseRef) -> dict:
    """The five figures by label wherever the caption sits; a bare row of five; or a small series' sentence."""
    marks = doc.xpath(
        "//text()[starts-with(normalize-space(.), 'Table 1:') or starts-with(normalize-space(.), 'Table 1.')]"
    )
    if not marks:
        m = _SMALL_SERIES.search(_text(doc.body) if doc.body is not None else "")
        if not m:
            raise ParseError(ref, "no 'Table 1' caption and no 'reported N new ... prosecutions' sentence")
        return {
            "number_latest_month": int(m.group(1).replace(",", "")),
            "previous_month_number": int(m.group(2).replace(",", "")),
            "table1_layout": "text",
            "modelled_figures": "",
        }
    holder = marks[0].getparent()
    candidates = holder.xpath("ancestor::table[1]") + holder.xpath("preceding::table[1]") + holder.xpath("following::table[1]")
    problems = []
    for table in candidates:
        rows = [[c for c in row.xpath("./th|./td") if not _is_caption(c)] for row in table.iter("tr")]
        rows = [r for r in rows if r]
        found = _by_label(rows) or _numbers_first(rows)
        if found is None:
            problems.append("no Table 1 labels nor a row of five figures")
            continue
        layout, cells = found
        missing = [TABLE1_LABELS[c] for c in TABLE1_LABELS if c not in cells]
        if missing:
            problems.append(f"Table 1 has no {missing[0]!r} figure")
            continue
        values = {}
        for column, cell in cells.items():
            text = _text(cell)
            values[column] = _count(text, ref, TABLE1_LABELS[column]) if column == "number_latest_month" \
                else _decimal(text, ref, TABLE1_LABELS[column])
        return {**values, "table1_layout": layout, "modelled_figures": _modelled(cells)}
    raise ParseError(ref, problems[0] if problems else "'Table 1' caption is beside no table")


def _is_caption(cell) -> bool:
    return bool(re.match(r"Table 1[.:]", _text(cell)))


def _by_label(rows: list[list]) -> tuple[str, dict] | None:
    """label | value in a row, or a row of labels above/below a row of values; None if no label is there."""
    wanted = {_squash(label): column for column, label in TABLE1_LABELS.items()}
    cells = {}
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            column = wanted.get(_squash(_text(cell)))
            if column is None:
                continue
            if c + 1 < len(row) and _squash(_text(row[c + 1])) not in wanted:
                cells[column] = row[c + 1]
                continue
            for other in rows[:r] + rows[r + 1:]:  # a row of labels and a separate row of figures
                if len(other) == len(row) and not any(_squash(_text(x)) in wanted for x in other):
                    cells[column] = other[c]
                    break
    return ("labels", cells) if cells else None


def _numbers_first(rows: list[list]) -> tuple[str, dict] | None:
    """A row of exactly five cells, the first a count: TRAC's five figures in TRAC's order, unlabelled."""
    for row in rows:
        if len(row) == 5 and re.fullmatch(r"\d{1,3}(,\d{3})*|\d+", _text(row[0])):
            return "numbers_first", dict(zip(TABLE1_LABELS, row))
    return None


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
    m = _STATUTE.search(statute_text)
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
    if not re.fullmatch(r"\d{1,3}(,\d{3})*|\d+", text):
        raise ParseError(ref, f"{label}: {text!r} is not a count")
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
    addressed_by_month=True, restated=False,
)
