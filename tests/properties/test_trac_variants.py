"""Every real TRAC layout, varied the ways real pages vary, gives the same figures.

Each fixture in tests/fixtures/trac reproduces a stored real page (its comment names the page). A variant
keeps the page's words and figures and changes what TRAC's pages (and copies of them saved by browsers and
scrapers) change: site chrome around the `<title>`; where the "Table 1." or "Table 1:" caption sits; how
Table 1 is cut into rows (label and figure in one row, either first; a row of labels over or under a row of
figures; one cell per row; TRAC's bare five figures in one row or five rows); the five-year labels in one
cell or two; `th` or `td`; tag case; whitespace; entities; the encoding. The parser must read the same
series, month and figures from every variant as from the fixture itself.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.connectors import trac
from orchestration.connectors.release import ReleaseRef

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "trac").glob("*.html"))
REF = ReleaseRef(family=trac.FAMILY, url="file:///saved/page.html", key="page.html")
# Columns a variant must reproduce; page_title and table1_layout describe the arrangement, not the figures.
SAME = ("series", "month", "catalogued", "series_kind", "number_latest_month", "previous_month_number",
        "pct_change_prev_month", "pct_change_1yr", "pct_change_5yr_incl_magistrate",
        "pct_change_5yr_excl_magistrate", "pct_change_5yr", "modelled_figures")

ARRANGEMENTS = ("label_value", "value_label", "label_row_over_values", "values_over_label_row",
                "one_cell_label_first", "one_cell_value_first", "bare_row", "bare_cells")
CAPTIONS = ("last_row", "first_row", "caption_element", "paragraph_after", "paragraph_before")
CHROME = ("{}", "TRAC Reports: {}", "{} | TRAC", "{} - TRAC Reports", "TRAC \u2013 {}", "TRAC | {} | Syracuse University")
ENCODINGS = ("utf-8", "windows-1252", "utf-16")


def _parse(data: bytes, tmp: Path) -> dict:
    path = tmp / "page.html"
    path.write_bytes(data)
    return trac.parse(path, REF).tables["trac_table1"].to_pylist()[0]


def _table1(doc):
    """(table, caption element or None, caption text, {column: printed text}) as the parser finds them."""
    marks = doc.xpath("//text()[starts-with(normalize-space(.), 'Table 1:') or starts-with(normalize-space(.), 'Table 1.')]")
    if not marks:
        return None
    holder = marks[0].getparent()
    caption = " ".join(str(marks[0]).split())
    for table in holder.xpath("ancestor::table[1]") + holder.xpath("preceding::table[1]") + holder.xpath("following::table[1]"):
        try:
            _, cells = trac._table1_cells(table)
        except Exception:  # noqa: BLE001 - not this candidate; the parser tries the next one too
            continue
        outside = None if table in holder.iterancestors() else holder
        while outside is not None and outside.getparent() is not table.getparent():
            outside = outside.getparent()
        printed = {c: (" ".join(cell.text_content().split()) if cell is not None else "") for c, cell in cells.items()}
        return table, outside, caption, printed
    return None


def _label(column: str, split: bool) -> list[str]:
    text = trac._TABLE1_LABEL_TEXT[column]
    if split and "(" in text:
        head, qualifier = text.split(" (", 1)
        return [head, f"({qualifier}"]
    return [text]


def _render(printed: dict, caption: str, arrangement: str, where: str, colon: bool, tag: str, split: bool) -> str:
    """Table 1 as HTML in one arrangement, with its caption in one place."""
    caption = re.sub(r"^Table 1[.:]", "Table 1:" if colon else "Table 1.", caption)
    cell = lambda text: f"<{tag}>{html.escape(text)}</{tag}>"  # noqa: E731 - a one-line helper
    columns = list(printed)
    rows: list[str] = []
    if arrangement in ("label_value", "value_label"):
        for c in columns:
            label = "".join(cell(t) for t in _label(c, split))
            figure = cell(printed[c])
            rows.append(f"<tr>{label}{figure}</tr>" if arrangement == "label_value" else f"<tr>{figure}{label}</tr>")
    elif arrangement in ("label_row_over_values", "values_over_label_row"):
        labels = "<tr>" + "".join(cell(trac._TABLE1_LABEL_TEXT[c]) for c in columns) + "</tr>"
        figures = "<tr>" + "".join(cell(printed[c]) for c in columns) + "</tr>"
        rows = [labels, figures] if arrangement == "label_row_over_values" else [figures, labels]
    elif arrangement in ("one_cell_label_first", "one_cell_value_first"):
        for c in columns:
            label = [f"<tr>{cell(t)}</tr>" for t in _label(c, split)]
            figure = [f"<tr>{cell(printed[c])}</tr>"]
            rows += label + figure if arrangement == "one_cell_label_first" else figure + label
    elif arrangement == "bare_row":
        rows = ["<tr>" + "".join(cell(printed[c]) for c in trac.TABLE1_LABELS) + "</tr>"]
    else:  # bare_cells
        rows = [f"<tr>{cell(printed[c])}</tr>" for c in trac.TABLE1_LABELS]
    width = max(r.count(f"<{tag}>") for r in rows)
    caption_row = f'<tr><td colspan="{width}">{html.escape(caption)}</td></tr>'
    if where == "last_row":
        return "<table>" + "".join(rows) + caption_row + "</table>"
    if where == "first_row":
        return "<table>" + caption_row + "".join(rows) + "</table>"
    if where == "caption_element":
        return f"<table><caption>{html.escape(caption)}</caption>" + "".join(rows) + "</table>"
    table = "<table>" + "".join(rows) + "</table>"
    paragraph = f"<p><b>{html.escape(caption)}</b></p>"
    return table + paragraph if where == "paragraph_after" else paragraph + table


def _variant(source: bytes, table1: dict | None, chrome: str, upper: bool, spaced: bool, entities: bool,
             encoding: str) -> bytes:
    doc = lxml.html.document_fromstring(source)
    found = _table1(doc)
    if found is not None and table1 is not None:
        table, outside, caption, printed = found
        parent, index = table.getparent(), table.getparent().index(table)
        if outside is not None:
            parent.remove(outside)
            index = parent.index(table)
        parent.remove(table)
        for offset, element in enumerate(lxml.html.fragments_fromstring(_render(printed, caption, **table1))):
            parent.insert(index + offset, element)
    text = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    text = re.sub(r"<title>(.*?)</title>", lambda m: "<title>" + chrome.format(m.group(1)) + "</title>", text, flags=re.S)
    if entities:
        text = text.replace("Prosecutions for", "Prosecu&#116;ions&nbsp;for").replace("Month<", "Mont&#x68;<")
        text = re.sub(r">-(\d)", r">&minus;\1", text)
    if spaced:
        text = re.sub(r">([^<]+)<", lambda m: ">\n  " + m.group(1).replace(" ", " \n\t ") + "  \n<", text)
    if upper:
        text = re.sub(r"<(/?)([a-z][a-z0-9]*)", lambda m: "<" + m.group(1) + m.group(2).upper(), text)
    text = re.sub(r'<meta charset="[^"]*">', "", text, flags=re.I)
    if encoding == "utf-16":
        return text.encode("utf-16")  # with its byte order mark, as Windows tools save it
    return text.replace("<head>", f'<head><meta charset="{encoding}">', 1).replace(
        "<HEAD>", f'<HEAD><meta charset="{encoding}">', 1).encode(encoding)


@st.composite
def variants(draw):
    fixture = draw(st.sampled_from(FIXTURES))
    source = fixture.read_bytes()
    found = _table1(lxml.html.document_fromstring(source))
    table1 = None
    if found is not None:
        printed = found[3]
        bare_ok = list(printed) == list(trac.TABLE1_LABELS) and all(printed.values())
        arrangements = ARRANGEMENTS if bare_ok else ARRANGEMENTS[:-2]
        table1 = {"arrangement": draw(st.sampled_from(arrangements)), "where": draw(st.sampled_from(CAPTIONS)),
                  "colon": draw(st.booleans()), "tag": draw(st.sampled_from(("td", "th"))),
                  "split": draw(st.booleans())}
    return fixture, source, table1, {
        "chrome": draw(st.sampled_from(CHROME)), "upper": draw(st.booleans()), "spaced": draw(st.booleans()),
        "entities": draw(st.booleans()), "encoding": draw(st.sampled_from(ENCODINGS))}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(variants())
def test_every_variant_of_a_real_layout_gives_the_same_figures(tmp_path, case):
    fixture, source, table1, page = case
    expected = _parse(source, tmp_path)
    got = _parse(_variant(source, table1, **page), tmp_path)
    assert {c: got[c] for c in SAME} == {c: expected[c] for c in SAME}, (fixture.name, table1, page)


def test_the_variants_reach_every_fixture_and_every_arrangement(tmp_path):
    """The generator is not vacuous: each arrangement of each fixture's Table 1 parses to the fixture's figures."""
    checked = 0
    for fixture in FIXTURES:
        source = fixture.read_bytes()
        found = _table1(lxml.html.document_fromstring(source))
        if found is None:
            continue
        expected = _parse(source, tmp_path)
        printed = found[3]
        bare_ok = list(printed) == list(trac.TABLE1_LABELS) and all(printed.values())
        for arrangement in ARRANGEMENTS if bare_ok else ARRANGEMENTS[:-2]:
            table1 = {"arrangement": arrangement, "where": "paragraph_after", "colon": False, "tag": "td", "split": False}
            got = _parse(_variant(source, table1, "{}", False, False, False, "utf-8"), tmp_path)
            assert {c: got[c] for c in SAME} == {c: expected[c] for c in SAME}, (fixture.name, arrangement)
            checked += 1
    assert checked >= 6 * len(ARRANGEMENTS[:-2])
