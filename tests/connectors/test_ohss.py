"""The OHSS CBP Encounters workbook: the real release, and small workbooks that break it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from orchestration.config import SAMPLE_RELEASES_DIR, load_settings
from orchestration.connectors import http, ohss
from orchestration.connectors.release import ParseError, ReleaseRef

REAL = SAMPLE_RELEASES_DIR / "ohss.dhs.gov/sites/default/files/2024-12/KHSM Encounters (USBP) fy25m11.xlsx"
SOUTHWEST = {"Big Bend, TX", "Del Rio, TX", "El Centro, CA", "El Paso, TX", "Laredo, TX",
             "Rio Grande Valley, TX", "San Diego, CA", "Tucson, AZ", "Yuma, AZ"}
REF = ReleaseRef("ohss-usbp", "file:///book.xlsx", "book.xlsx")


def workbook(tmp_path: Path, rows: list[list], sheet: str = "Monthly Sector") -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Annual Count"
    ws = book.create_sheet(sheet)
    for row in rows:
        ws.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


HEADER = ["Fiscal\nYear", "Month", "Sector", "Quantity"]


@pytest.fixture(scope="module")
def real():
    return ohss.USBP.parse(REAL, REF)


def test_the_real_workbook_loads_every_sector_month(real):
    table = real.tables["ohss_usbp_monthly_sector"]
    assert table.num_rows == 5_830
    assert table.column_names == [c.name for c in ohss.USBP.raw_tables["ohss_usbp_monthly_sector"]]
    assert table.slice(0, 1).to_pylist()[0] == {
        "source_row": 2, "month": date(1999, 10, 1), "fiscal_year": 2000, "month_label": "01 October", "sector": "Big Bend, TX", "quantity": 770,
    }
    assert table.slice(5_829).to_pylist()[0]["source_row"] == 5_831
    assert (real.months[0], real.months[-1], len(real.months)) == (date(1999, 10, 1), date(2024, 11, 1), 302)


@pytest.mark.parametrize(
    ("label", "exact"),
    # sources.md: CBP's exact Southwest Border Patrol apprehensions, 2018. OHSS rounds each sector to
    # 10, so the sum of the nine sectors may drift from the exact total by up to 9 x 5.
    [("06 March", 37_390), ("07 April", 38_243), ("08 May", 40_339), ("09 June", 34_089)],
)
def test_the_real_workbook_matches_published_southwest_totals(real, label, exact):
    rows = real.tables["ohss_usbp_monthly_sector"].to_pylist()
    total = sum(r["quantity"] for r in rows
                if r["fiscal_year"] == 2018 and r["month_label"] == label and r["sector"] in SOUTHWEST)
    assert total % 10 == 0
    assert abs(total - exact) <= 45


def test_a_small_workbook_with_spaced_labels(tmp_path):
    path = workbook(tmp_path, [
        ["Fiscal \n Year", " Month", "Sector", "Quantity"],
        [2018, "01 October", "Tucson, AZ", 3_050],
        [None, None, None, None],
        ["2018", "12 September", "Yuma, AZ", 1_200.0],
    ])
    parsed = ohss.parse(path, REF)
    assert parsed.tables["ohss_usbp_monthly_sector"].to_pylist() == [
        {"source_row": 2, "month": date(2017, 10, 1), "fiscal_year": 2018, "month_label": "01 October", "sector": "Tucson, AZ", "quantity": 3_050},
        {"source_row": 4, "month": date(2018, 9, 1), "fiscal_year": 2018, "month_label": "12 September", "sector": "Yuma, AZ", "quantity": 1_200},
    ]
    assert parsed.months == [date(2017, 10, 1), date(2018, 9, 1)]


def test_a_workbook_without_the_sheet_names_the_sheets_it_has(tmp_path):
    path = workbook(tmp_path, [HEADER, [2018, "01 October", "Tucson, AZ", 10]], sheet="Monthly Sectors")
    with pytest.raises(ParseError, match="no sheet 'Monthly Sector' in the workbook; "
                                         "sheets present: 'Annual Count', 'Monthly Sectors'"):
        ohss.parse(path, REF)


def test_a_changed_header_fails(tmp_path):
    path = workbook(tmp_path, [["Fiscal\nYear", "Month", "Sector", "Encounters"], [2018, "01 October", "Tucson, AZ", 10]])
    with pytest.raises(ParseError, match="changed header in sheet 'Monthly Sector': missing 'Quantity'; "
                                         "unexpected 'Encounters'"):
        ohss.parse(path, REF)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ([2018, "01 October", "Tucson, AZ", "n/a"], r"row 3: Quantity 'n/a' is not a whole number"),
        ([2018, "01 October", "Tucson, AZ", 10.5], r"row 3: Quantity 10\.5 is not a whole number"),
        (["FY18", "01 October", "Tucson, AZ", 10], r"row 3: Fiscal Year 'FY18' is not a whole number"),
        ([2018, "13 Smarch", "Tucson, AZ", 10], r"row 3: not a month: '13 Smarch'"),
        ([2018, "01 October", None, 10], r"row 3: empty Sector"),
    ],
)
def test_a_bad_cell_names_its_spreadsheet_row(tmp_path, row, problem):
    path = workbook(tmp_path, [HEADER, [2018, "01 October", "Yuma, AZ", 10], row])
    with pytest.raises(ParseError, match=problem):
        ohss.parse(path, REF)


def test_a_header_without_rows_fails(tmp_path):
    with pytest.raises(ParseError, match="has a header but no data rows"):
        ohss.parse(workbook(tmp_path, [HEADER]), REF)


@pytest.mark.parametrize("cut", [0, 1_000, 600_000])
def test_a_truncated_or_corrupt_workbook_fails(tmp_path, cut):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(REAL.read_bytes()[:cut])
    with pytest.raises(ParseError, match="not a readable xlsx workbook"):
        ohss.parse(path, REF)


def test_the_bundled_sample_page_links_the_real_workbook():
    settings = load_settings(live=False)
    cfg = settings.family("ohss-usbp")
    session = http.make_session(settings.releases.http)
    (found,) = ohss.USBP.discover(cfg, settings.publisher_base("ohss"), session)
    assert found.key == "KHSM Encounters (USBP) fy25m11.xlsx" and not found.is_modelled
    assert found.url.endswith("/2024-12/KHSM%20Encounters%20%28USBP%29%20fy25m11.xlsx")
    assert http.get_page(session, found.url, found) is not None  # the link resolves to the file


def test_a_workbook_whose_members_lie_before_its_start_fails_clearly(tmp_path):
    """The central directory says it starts past the end of the file, so every member's offset lands
    before the file's first byte: zipfile's seek raises OSError (EINVAL), found by the property test."""
    data = bytearray(REAL.read_bytes())
    end = data.rfind(b"PK\x05\x06")  # end of central directory: its offset field is at +16
    offset = int.from_bytes(data[end + 16:end + 20], "little")
    data[end + 16:end + 20] = (offset + 10 * len(data)).to_bytes(4, "little")
    path = tmp_path / "book.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ParseError, match="not a readable xlsx workbook"):
        ohss.parse(path, REF)
