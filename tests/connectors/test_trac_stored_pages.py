"""Every real TRAC bulletin page found in the stored pages loads with the figure it prints, from both hosts.

The stored copies (the project's search of stored pages, sources.md 1b) are text: each keeps a page's
heading, its Table 1 lines as the copy prints them (a label and its figure on one line, or on consecutive
lines) and the body's "during <Month> <Year> the government reported N new" sentence. `stored_pages.csv`
holds those lines for each page, with the page's URL; here each is rebuilt as a page, one table row per
printed line, and loaded from its own URL and from the same path on TRAC's other host. The README's
table of checked pages lists them.
"""

from __future__ import annotations

import csv
import html
import re
from datetime import date
from pathlib import Path

import pytest

from orchestration.config import RELEASES_TOML, read_releases
from orchestration.connectors import trac
from orchestration.connectors.calendar import month_number
from orchestration.connectors.release import ReleaseRef
from orchestration.connectors.trac_catalogue import BY_SLUG

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "trac"
with (FIXTURES / "stored_pages.csv").open(newline="") as fh:
    PAGES = list(csv.DictReader(fh))
HOSTS = ("https://tracreports.org", "http://trac.syr.edu")
LABEL_AND_FIGURE = re.compile(r"(.*[^\d\s,.-])\s+(-?[\d,]+(?:\.\d+)?)")


def _rebuilt(page: dict) -> str:
    """The stored copy as a page: its heading, agency line, Table 1 lines as rows, and its sentence."""
    rows = []
    for line in filter(None, (x.strip() for x in page["table1"].split(" | "))):
        m = LABEL_AND_FIGURE.fullmatch(line)
        cells = [m.group(1), m.group(2)] if m and not line.startswith("Table 1") else [line]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    month = re.search(r"for (\w+ \d{4})$", page["heading"]).group(1)
    previous = f" This number is up from {page['previous']} the previous month." if page["previous"] else ""
    agency = f"<p>Referring Agency: {html.escape(page['agency'])}</p>" if page["agency"] else ""
    table = f"<table>{''.join(rows)}</table>" if rows else ""
    return (f"<html><head><title>{html.escape(page['heading'])}</title></head><body>"
            f"<h2>{html.escape(page['heading'])}</h2>{agency}{table}"
            f"<p>The latest available data from the Justice Department show that during {month} the government "
            f"reported {page['reported']} new prosecutions.{previous}</p></body></html>")


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("page", PAGES, ids=[p["url"].split("/bulletins/")[1] for p in PAGES])
def test_stored_real_page_loads_with_the_figure_it_prints(tmp_path, page, host):
    path = tmp_path / "index.html"
    path.write_text(_rebuilt(page))
    url = host + "/tracreports/bulletins/" + page["url"].split("/bulletins/")[1]
    params = trac.params_from_url(url, None)
    row = trac.parse(path, ReleaseRef(family=trac.FAMILY, url=url, key=params["key"], params=params)).tables[
        "trac_table1"].to_pylist()[0]
    name, year = re.search(r"for (\w+) (\d{4})$", page["heading"]).groups()
    assert (row["series"], row["month"], row["catalogued"]) == (params["series"], date(int(year), month_number(name), 1), True)
    assert row["number_latest_month"] == int(page["figure"])


def test_the_stored_pages_cover_the_catalogue_the_refresh_fetches():
    fetched = set(read_releases(RELEASES_TOML).families["trac-bulletin"].series)
    checked = {p["url"].split("/bulletins/")[1].split("/")[0] for p in PAGES}
    # drugs and overall are checked by fixtures (drugs_sep24_narcotics_drugs.html, overall_nov15_caption_below.html);
    # TRAC's ICE/HSI bulletin (hsaa) is seen only as a convictions page (hsaa/monthlyoct12/gui).
    assert fetched - checked == {"drugs", "overall", "hsaa"}
    assert checked <= set(BY_SLUG)
