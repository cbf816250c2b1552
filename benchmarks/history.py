"""Longer histories in the publishers' real formats, for benchmarks that ask how cost grows with history.

CBP's Nationwide Encounters and SBO files are not cumulative: each release is a rolling window of about
four fiscal years that restates its earlier months. What accumulates is the number of releases kept (the
registry keeps every one, by design, so revisions can be compared) and TRAC's months. Two sites, both in
the real formats (real header, quoting, CRLF line endings, the link layout of CBP's pages):

- `make_editions_site` (the realistic history): k editions of each CBP file, each a rolling 48-month
  window ending one month later than the previous edition, so every edition has the sample's size. Each
  is made from the sample's rows, relabelled to its months, with a modest restatement (a tenth of the
  last year's counts moved by one, differently in each edition). "One new month" is one more edition.
- `make_site` (the scale stress test): one file of each kind with k times the sample's rows (the four
  sample fiscal years repeated backwards), as if a single release carried k times the data.

TRAC and OHSS stay as bundled in both: TRAC's months are the sample's (October 2016 to September 2019)
and the OHSS workbook already reaches back to FY2000.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

from orchestration.config import RELEASES_TOML, SAMPLE_RELEASES_DIR
from orchestration.connectors.calendar import FISCAL_ORDER, abbreviation, add_months

CBP_SITE = "www.cbp.gov"
CBP_FILES = "sites/default/files/assets/documents/2023-Nov"
YEARS_PER_FILE = 4
MONTHS = [abbreviation(m).upper().encode() for m in FISCAL_ORDER]  # CBP's MONTH_ABBV, in fiscal order
FIRST_FY = 2020  # the sample's files run October 2019 (FY2020) to September 2023 (FY2023)
WINDOW = 12 * YEARS_PER_FILE
# sample file -> (page it is linked from, name of an edition ending in fiscal year `b` (first `a`), month `m`)
PAGES = {
    "nationwide-encounters-fy20-fy23-aor.csv": ("nationwide-encounters", "nationwide-encounters-fy{a}-fy{b}-{m}-aor.csv"),
    "nationwide-encounters-fy20-fy23-state.csv": ("nationwide-encounters", "nationwide-encounters-fy{a}-fy{b}-{m}-state.csv"),
    "sbo-encounters-fy20-fy23.csv": ("southwest-land-border-encounters", "sbo-encounters-fy{a}-fy{b}-{m}.csv"),
}
_DATA_LINK = re.compile(r'\s*<li><a href="/sites/default/files/[^"]+\.csv".*?</li>', re.S)


def _scaled(data: bytes, factor: int, new_month: bool) -> bytes:
    """The file with `factor` times its fiscal years; with `new_month`, October of the next fiscal year
    too (September's rows of the last year, relabelled)."""
    header, _, body = data.partition(b"\n")
    lines = body.splitlines(keepends=True)
    out = [header + b"\n", *lines]
    for shift in range(1, factor):
        out += [str(int(line[:4]) - YEARS_PER_FILE * shift).encode() + line[4:] for line in lines]
    if new_month:
        last = max(int(line[:4]) for line in lines)
        out += [
            str(last + 1).encode() + line[4:].replace(b",SEP,", b",OCT,", 1)
            for line in lines if line.startswith(str(last).encode()) and b",SEP," in line
        ]
    return b"".join(out)


def _copy_site(root: Path) -> tuple[Path, Path]:
    site = root / CBP_SITE
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(SAMPLE_RELEASES_DIR / CBP_SITE, site)
    toml = root / "releases.toml"
    text = RELEASES_TOML.read_text()
    assert f'sample = "{CBP_SITE}"' in text
    text = text.replace(f'sample = "{CBP_SITE}"', f'sample = "{site}"')
    # At 100x the state file is 275 MB, past the 200 MiB guard against runaway downloads; lift it.
    toml.write_text(re.sub(r"(?m)^max_bytes = .*$", "max_bytes = 4_294_967_296", text))
    return site, toml


def make_site(root: Path, factor: int, *, new_month: bool = False) -> Path:
    """The scale site: CBP's sample files with `factor` times their rows; returns its releases.toml."""
    site, toml = _copy_site(root)
    for csv in sorted((site / CBP_FILES).glob("*.csv")):
        csv.write_bytes(_scaled((SAMPLE_RELEASES_DIR / CBP_SITE / CBP_FILES / csv.name).read_bytes(), factor, new_month))
    return toml


def _by_month(data: bytes) -> tuple[bytes, list[list[tuple[bytes, bytes]]]]:
    """The header, and the rows of each of the sample's 48 months as (month grouping, rest of the line)."""
    header, _, body = data.partition(b"\n")
    months: list[list[tuple[bytes, bytes]]] = [[] for _ in range(WINDOW)]
    for line in body.splitlines(keepends=True):
        fy, grouping, month, rest = line.split(b",", 3)
        months[(int(fy) - FIRST_FY) * 12 + MONTHS.index(month)].append((grouping, rest))
    return header + b"\n", months


def _edition(header: bytes, months: list[list[tuple[bytes, bytes]]], end: int) -> bytes:
    """The 48 months ending at month `end` (0 = October 2019), the last year's counts lightly restated."""
    out = [header]
    for t in range(end - WINDOW + 1, end + 1):
        fy, month = str(FIRST_FY + t // 12).encode(), MONTHS[t % 12]
        restate = t > end - 12
        for j, (grouping, rest) in enumerate(months[t % WINDOW]):
            if restate and (j + end) % 10 == 0:
                body = rest.rstrip(b"\r\n")
                head, _, count = body.rpartition(b",")
                if count.isdigit():
                    rest = head + b"," + str(int(count) + 1).encode() + rest[len(body):]
            out.append(b"%s,%s,%s,%s" % (fy, grouping, month, rest))
    return b"".join(out)


def _published(end: int) -> str:
    """The folder CBP files an edition under: the calendar month after its last month, e.g. 2023-10."""
    return f"{add_months(date(2019, 10, 1), end + 1):%Y-%m}"  # `end` counts months since October 2019


def make_editions_site(root: Path, editions: range) -> Path:
    """The realistic site: CBP's pages link one edition of each file per `editions` entry (an edition
    number e ends e months after the sample's last month, September 2023); returns its releases.toml.
    Called again with other editions, it rewrites the pages and keeps the files already written."""
    site, toml = root / CBP_SITE, root / "releases.toml"
    if not toml.exists():
        site, toml = _copy_site(root)
    links: dict[str, list[str]] = {}
    for sample, (page, pattern) in PAGES.items():
        header, months = _by_month((SAMPLE_RELEASES_DIR / CBP_SITE / CBP_FILES / sample).read_bytes())
        for e in editions:
            end = WINDOW - 1 + e
            name = pattern.format(a=f"{(FIRST_FY + (end - WINDOW + 1) // 12) % 100:02d}",
                                  b=f"{(FIRST_FY + end // 12) % 100:02d}", m=MONTHS[end % 12].decode().lower())
            href = f"/sites/default/files/{_published(end)}/{name}"
            path = site / href.lstrip("/")
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(_edition(header, months, end))
            modelled = ' data-basis="modelled"' if sample.endswith("-aor.csv") else ""
            links.setdefault(page, []).append(f'\n    <li><a href="{href}"{modelled}>{name}</a></li>')
    for page, items in links.items():
        path = site / "document" / "stats" / page
        html = (SAMPLE_RELEASES_DIR / CBP_SITE / "document" / "stats" / page).read_text()
        first = _DATA_LINK.search(html)
        assert first, f"no data link on {page}"
        path.write_text(html[:first.start()] + "".join(items) + _DATA_LINK.sub("", html[first.start():]))
    return toml


def sample_rows() -> int:
    """Data rows of the bundled CBP files, the unit the scale factors multiply."""
    return sum(p.read_bytes().count(b"\n") - 1 for p in (SAMPLE_RELEASES_DIR / CBP_SITE / CBP_FILES).glob("*.csv"))
