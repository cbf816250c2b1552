"""TRAC monthly bulletin pages: find them by URL template, read Table 1 and the ranked tables by label.

TRAC publishes HTML only, and its older bulletins lay Table 1 out differently from its newer ones, so
nothing here depends on a cell's position: Table 1 is found by its caption, each figure by its row or
column label, and the ranked tables by their header labels. When a label is missing the page has changed
format and a human must look, so parsing fails loudly rather than guessing.

Real TRAC pages are published figures. Crowdout's sample pages mark every figure they model with
`data-basis="modelled"` on its cell, and a row is modelled if any of its figures is.
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

from orchestration.sources.calendar import month_number
from orchestration.sources.release import (
    Family,
    ParsedRelease,
    ParseError,
    RawColumn,
    ReleaseRef,
    arrow_schema,
)

FAMILY = "trac-bulletin"
NATIONAL_CODE = "US"
NATIONAL_NAME = "United States"

TABLE1_LABELS = {
    "number_latest_month": "Number Latest Month",
    "pct_change_prev_month": "Percent Change from previous month",
    "pct_change_1yr": "Percent Change from 1 year ago",
    "pct_change_5yr_incl_magistrate": "Percent Change from 5 years ago (Including Magistrate Court)",
    "pct_change_5yr_excl_magistrate": "Percent Change from 5 years ago (Excluding Magistrate Court)",
}

_PAGE = [
    RawColumn("series", "VARCHAR", "bulletin series: immigration, overall or jcbp (referred by CBP)"),
    RawColumn("geography_type", "VARCHAR", "national or district"),
    RawColumn("district_code", "VARCHAR", "AZ, CAS, NM, TXS, TXW; NULL on national pages"),
]
RAW_TABLES = {
    "trac_table1": [
        *_PAGE,
        RawColumn("geography_name", "VARCHAR", "as on the page, e.g. Arizona or United States"),
        RawColumn("month", "DATE", "first day of the bulletin's month"),
        RawColumn("page_title", "VARCHAR", "the page's <title>"),
        RawColumn("number_latest_month", "BIGINT", TABLE1_LABELS["number_latest_month"]),
        RawColumn("pct_change_prev_month", "DOUBLE", "percent as printed, on raw monthly counts"),
        RawColumn("pct_change_1yr", "DOUBLE", "percent as printed, on six-month moving averages"),
        RawColumn("pct_change_5yr_incl_magistrate", "DOUBLE", "percent as printed, six-month moving averages"),
        RawColumn("pct_change_5yr_excl_magistrate", "DOUBLE", "percent as printed, six-month moving averages"),
        RawColumn("is_modelled", "BOOLEAN", "any of the row's figures is marked data-basis=modelled"),
    ],
    "trac_lead_charges": [
        *_PAGE,
        RawColumn("month", "DATE", "first day of the bulletin's month"),
        RawColumn("rank", "INTEGER", "rank on the page, 1 = most prosecutions"),
        RawColumn("charge_description", "VARCHAR", "lead charge as TRAC describes it"),
        RawColumn("statute", "VARCHAR", "normalised US Code title and section, e.g. 21 USC 846"),
        RawColumn("prosecutions", "BIGINT", "prosecutions with this lead charge in the month"),
        RawColumn("is_modelled", "BOOLEAN", "the count is marked data-basis=modelled"),
    ],
    "trac_district_rankings": [
        RawColumn("series", "VARCHAR", "bulletin series: immigration, overall or jcbp (referred by CBP)"),
        RawColumn("month", "DATE", "first day of the bulletin's month"),
        RawColumn("rank", "INTEGER", "rank on the page, 1 = most prosecutions"),
        RawColumn("district_name", "VARCHAR", "TRAC's district name, e.g. Texas, South (Houston)"),
        RawColumn("prosecutions", "BIGINT", "prosecutions in the district in the month"),
        RawColumn("per_capita_rate", "DOUBLE", "prosecutions per million people; NULL if absent"),
        RawColumn("is_modelled", "BOOLEAN", "the count or rate is marked data-basis=modelled"),
    ],
}

# Column headers of the ranked tables, matched case-insensitively against the whole header text.
_LEAD_CHARGE_COLUMNS = {
    "rank": r"rank",
    "charge_description": r"lead charge",
    "statute": r"(us code )?title/section",
    "prosecutions": r"prosecutions",
}
_DISTRICT_COLUMNS = {
    "rank": r"rank",
    "district_name": r"(judicial )?district",
    "prosecutions": r"prosecutions",
    "per_capita_rate": r"(prosecutions )?per (one )?million people|per capita",
}
_MISSING = {"", "-", "na", "n/a", "\u2014", "\u2013"}
_TITLE_MONTH = re.compile(r"Prosecutions for ([A-Za-z]+) (\d{4})\b")
_STATUTE = re.compile(r"(\d{1,2})\s*U\.?\s*S\.?\s*C\.?\s*§*\s*(\d+[A-Za-z]?(?:/\d+[A-Za-z]?)?)")
_DISTRICT_HEADING = re.compile(r"^Judicial District:\s*(.+)$")
_BULLETIN_PATH = re.compile(
    r"/bulletins/(?P<series>[a-z]+)/monthly(?P<mon>[a-z]{3})(?P<yy>\d{2})/fil(?:/(?P<slug>[a-z_]+))?/?(?:index\.html?)?$"
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
    """Every bulletin page for the configured series, districts and months; no network needed.

    TRAC has no index to crawl, so the pages are named from the URL templates. Without explicit months,
    the sample covers first_month..sample_last_month; live mode asks only for months that ended at least
    publication_lag_days ago, since later bulletins cannot exist yet. `session` is accepted so every
    family is called alike.
    """
    wanted = [month_start(m) for m in months] if months is not None else _default_months(cfg, live, today)
    geographies = [(NATIONAL_CODE, "", cfg["national_url"])]
    geographies += [(code, slug, cfg["district_url"]) for code, slug in cfg["districts"].items()]
    refs = []
    for series in cfg["series"]:
        for month in wanted:
            for code, slug, template in geographies:
                url = template.format(
                    base=base.rstrip("/"),
                    series=series,
                    mon=_MON[month.month - 1],
                    yy=f"{month.year % 100:02d}",
                    slug=slug,
                )
                refs.append(
                    ReleaseRef(
                        family=FAMILY,
                        url=url,
                        key=f"{series}/{month:%Y-%m}/{code}",
                        params={
                            "series": series,
                            "month": f"{month:%Y-%m}",
                            "district_code": "" if code == NATIONAL_CODE else code,
                            "slug": slug,
                        },
                    )
                )
    return refs


def params_from_url(url: str, cfg: dict) -> dict[str, str]:
    """Series, month and district of a bulletin page named by hand (a URL or a saved copy's path).

    The parser checks a page against what its URL promised, so a page loaded by hand needs the same
    params discovery would have given it; they are all in TRAC's URL.
    """
    m = _BULLETIN_PATH.search(urlparse(url).path)
    if not m or m.group("mon") not in _MON:
        raise ValueError(f"{url} is not a TRAC bulletin page: .../bulletins/<series>/monthly<mon><yy>/fil/[<slug>/]")
    month = date(2000 + int(m.group("yy")), _MON.index(m.group("mon")) + 1, 1)
    slug = m.group("slug") or ""
    codes = {s: code for code, s in cfg["districts"].items()}
    if slug and slug not in codes:
        raise ValueError(f"{url}: district {slug!r} is not in releases.toml's trac-bulletin districts")
    code = codes.get(slug, "")
    series = m.group("series")
    return {
        "series": series,
        "month": f"{month:%Y-%m}",
        "district_code": code,
        "slug": slug,
        "key": f"{series}/{month:%Y-%m}/{code or NATIONAL_CODE}",
    }


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
    """Table 1 (always present) plus the lead-charge and district tables when the page has them."""
    try:
        doc = lxml.html.document_fromstring(Path(path).read_bytes())
    except lxml.etree.ParserError as exc:  # an empty or whitespace-only body
        raise ParseError(ref, f"not an HTML page: {exc}") from None
    month = _page_month(doc, ref)
    title = " ".join(doc.findtext(".//title").split())
    series = ref.params["series"]
    code = ref.params["district_code"] or None
    page = {"series": series, "geography_type": "district" if code else "national", "district_code": code}

    values, modelled = _table1(doc, ref)
    table1 = [{
        **page,
        "geography_name": _geography_name(doc, ref) if code else NATIONAL_NAME,
        "month": month,
        "page_title": title,
        **values,
        "is_modelled": modelled,
    }]
    charges = [
        {**page, "month": month, **row}
        for row in _ranked(doc, ref, "charge_description", _LEAD_CHARGE_COLUMNS, _charge_row)
    ]
    districts = [
        {"series": series, "month": month, **row}
        for row in _ranked(doc, ref, "district_name", _DISTRICT_COLUMNS, _district_row)
    ]
    rows = {"trac_table1": table1, "trac_lead_charges": charges, "trac_district_rankings": districts}
    try:
        tables = {name: _arrow(name, rows[name]) for name in RAW_TABLES}
    except (OverflowError, pa.ArrowInvalid) as exc:  # a count too large for its column
        raise ParseError(ref, f"a figure out of range: {exc}") from None
    return ParsedRelease(tables=tables, months=[month])


def _arrow(name: str, rows: list[dict]) -> pa.Table:
    schema = arrow_schema(RAW_TABLES[name])
    return pa.Table.from_pylist(rows, schema=schema)


def _text(el) -> str:
    return " ".join(el.text_content().split())


def _page_month(doc, ref: ReleaseRef) -> date:
    """The month in the title, which must be the month the URL promised (TRAC has served stale pages)."""
    title = doc.findtext(".//title")
    m = _TITLE_MONTH.search(title or "")
    if not m:
        raise ParseError(ref, f"page title {title!r} does not name a bulletin month")
    try:
        month = date(int(m.group(2)), month_number(m.group(1)), 1)
    except ValueError as exc:
        raise ParseError(ref, f"page title {title!r}: {exc}") from None
    if f"{month:%Y-%m}" != ref.params["month"]:
        raise ParseError(ref, f"page title {title!r} is for {month:%Y-%m}, expected {ref.params['month']}")
    return month


def _geography_name(doc, ref: ReleaseRef) -> str:
    for heading in doc.xpath("//h1|//h2|//h3"):
        m = _DISTRICT_HEADING.match(_text(heading))
        if m:
            return m.group(1)
    raise ParseError(ref, "district page has no 'Judicial District:' heading")


def _find_table1(doc, ref: ReleaseRef):
    """The table captioned `Table 1:`/`Table 1.`, or the first table after a heading saying so."""
    marks = doc.xpath(
        "//text()[starts-with(normalize-space(.), 'Table 1:') or starts-with(normalize-space(.), 'Table 1.')]"
    )
    if not marks:
        raise ParseError(ref, "no 'Table 1' caption or heading on the page")
    holder = marks[0].getparent()
    caption = holder.xpath("ancestor-or-self::caption")
    tables = caption[0].xpath("parent::table") if caption else holder.xpath("following::table[1]")
    if not tables:
        raise ParseError(ref, "'Table 1' heading is not followed by a table")
    return tables[0]


def _table1(doc, ref: ReleaseRef) -> tuple[dict, bool]:
    """The five figures, each found by its label: beside it in a row, or in its column of a numbers row."""
    rows = [row.xpath("./th|./td") for row in _find_table1(doc, ref).iter("tr")]
    values, modelled = {}, False
    for column, label in TABLE1_LABELS.items():
        cell = _value_cell(rows, label)
        if cell is None:
            raise ParseError(ref, f"Table 1 has no {label!r} figure")
        text = _text(cell)
        if column == "number_latest_month":
            values[column] = _count(text, ref, label)
        else:
            values[column] = _decimal(text, ref, label)
        modelled = modelled or _is_modelled(cell)
    return values, modelled


def _value_cell(rows: list[list], label: str):
    """The cell holding `label`'s figure, wherever the layout put it; None if the label is absent.

    Newer pages put each figure beside its label; older ones print a row of numbers and, elsewhere in the
    table, a row of labels of the same width, so the figure is the one in the label's column.
    """
    wanted = label.lower()
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            if _text(cell).rstrip(":").lower() != wanted:
                continue
            if c + 1 < len(cells) and not _is_label(_text(cells[c + 1])):  # label | value
                return cells[c + 1]
            for other in rows[:r] + rows[r + 1:]:  # a row of labels and a separate row of numbers
                if len(other) == len(cells) and not any(_is_label(_text(x)) for x in other):
                    return other[c]
    return None


def _is_label(text: str) -> bool:
    return text.rstrip(":").lower() in {label.lower() for label in TABLE1_LABELS.values()}


def _ranked(doc, ref: ReleaseRef, key: str, columns: dict[str, str], make_row) -> list[dict]:
    """Rows of the table whose header row names the `key` column; [] if the page has no such table.

    A table headed by the key column but lacking another column's label is a changed format, not an
    absent table, so it fails.
    """
    for table in doc.iter("table"):
        rows = [row.xpath("./th|./td") for row in table.iter("tr")]
        if not rows:
            continue
        headers = [_text(cell).lower() for cell in rows[0]]
        if not any(re.fullmatch(columns[key], h) for h in headers):
            continue
        positions = {}
        for column, pattern in columns.items():
            found = [i for i, h in enumerate(headers) if re.fullmatch(pattern, h)]
            if not found:
                raise ParseError(ref, f"table headed {headers} has no {column!r} column")
            positions[column] = found[0]
        for cells in rows[1:]:
            if len(cells) != len(headers):
                raise ParseError(ref, f"table headed {headers} has a row of {len(cells)} cells")
        return [make_row({k: cells[i] for k, i in positions.items()}, ref) for cells in rows[1:]]
    return []


def _charge_row(cells: dict, ref: ReleaseRef) -> dict:
    statute_text = _text(cells["statute"])
    m = _STATUTE.search(statute_text)
    if not m:
        raise ParseError(ref, f"lead charge statute {statute_text!r} is not a US Code title and section")
    return {
        "rank": _count(_text(cells["rank"]), ref, "Rank"),
        "charge_description": _text(cells["charge_description"]),
        "statute": f"{int(m.group(1))} USC {m.group(2)}",
        "prosecutions": _count(_text(cells["prosecutions"]), ref, "lead charge prosecutions"),
        "is_modelled": _is_modelled(cells["prosecutions"]),
    }


def _district_row(cells: dict, ref: ReleaseRef) -> dict:
    return {
        "rank": _count(_text(cells["rank"]), ref, "Rank"),
        "district_name": _text(cells["district_name"]),
        "prosecutions": _count(_text(cells["prosecutions"]), ref, "district prosecutions"),
        "per_capita_rate": _decimal(_text(cells["per_capita_rate"]), ref, "per capita rate"),
        "is_modelled": _is_modelled(cells["prosecutions"]) or _is_modelled(cells["per_capita_rate"]),
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


def _is_modelled(cell) -> bool:
    return cell.get("data-basis") == "modelled" or bool(cell.xpath(".//*[@data-basis='modelled']"))


BULLETIN = Family(
    name=FAMILY, raw_tables=RAW_TABLES, discover=discover, parse=parse, params_from_url=params_from_url,
    restated_by_key=True,
)
