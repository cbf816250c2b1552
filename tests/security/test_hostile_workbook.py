"""A workbook is sized up before calamine opens it: a hostile one is a ParseError, never an aborted process.

The reported input: a 1 MB workbook whose Monthly Sector sheet has one cell at XFD1048576, which makes
calamine allocate a 1,048,576 x 16,384 grid (512 GiB) and abort the process with exit 134. The ingest runs
in a child process, so that without the check the test fails on the child's exit status instead of
taking pytest down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.connectors import ohss
from orchestration.connectors import workbook as xlsx_bounds
from orchestration.connectors.release import ParseError, ReleaseRef

REF = ReleaseRef("ohss-usbp", "file:///book.xlsx", "book.xlsx")


def book(tmp_path: Path, edit=lambda xml: xml) -> Path:
    """A small real-format workbook (openpyxl), its Monthly Sector sheet's XML passed through `edit`."""
    wb = openpyxl.Workbook()
    wb.active.title = "Annual Count"
    ws = wb.create_sheet("Monthly Sector")
    ws.append(["Fiscal Year", "Month", "Sector", "Quantity"])
    ws.append([2020, "01 October", "Big Bend, TX", 770])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    out = tmp_path / "KHSM Encounters (USBP) fy25m11.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, edit(data) if info.filename == "xl/worksheets/sheet2.xml" else data)
    return out


def far_cell(xml: bytes) -> bytes:
    return xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>')


def test_a_workbook_claiming_the_whole_grid_fails_the_release_not_the_process(tmp_path):
    path = book(tmp_path, far_cell)
    env = {**os.environ, "CROWDOUT_WAREHOUSE": str(tmp_path / "w.duckdb"), "CROWDOUT_LANDING": str(tmp_path / "landing")}
    child = subprocess.run(
        [sys.executable, "-c", "import sys; from orchestration import cli; sys.exit(cli.main(sys.argv[1:]))",
         "ingest", "ohss-usbp", str(path)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert child.returncode == 1, child.stderr[-2000:]
    said = " ".join((child.stdout + child.stderr).split())
    assert "1,048,576 rows x 16,384 columns" in said and "refused before opening it" in said
    with duckdb.connect(str(tmp_path / "w.build.duckdb"), read_only=True) as con:
        status, error = con.execute("SELECT status, error FROM meta.releases").fetchone()
    assert status == "failed" and "over the limit of 1,000,000 cells" in error


@pytest.mark.parametrize("edit", [
    pytest.param(lambda xml: xml.replace(b'<dimension ref="A1:D2"/>', b'<dimension ref="A1:XFD1048576"/>'),
                 id="declared-dimension"),
    pytest.param(lambda xml: xml.replace(b"</sheetData>", b"<row>" + b"<c/>" * 300_000 + b"</row>"
                                         + b"<row/>" * 4 + b"</sheetData>"), id="cells-without-references"),
])
def test_other_claims_of_a_huge_sheet_are_refused(tmp_path, edit):
    with pytest.raises(ParseError, match="refused before opening it"):
        ohss.parse(book(tmp_path, edit), REF)


def test_a_zip_bomb_is_refused_by_its_unpacked_size(tmp_path, monkeypatch):
    path = book(tmp_path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", b"\0" * 3_000_000)
    monkeypatch.setattr(ohss, "LIMITS", xlsx_bounds.Limits(max_bytes=2_000_000, max_cells=1_000_000))
    with pytest.raises(ParseError, match=r"unpacks to 3,\d{3},\d{3} bytes, over the limit of 2,000,000"):
        ohss.parse(path, REF)


def test_a_workbook_within_the_limits_still_loads(tmp_path):
    assert ohss.parse(book(tmp_path), REF).row_count == 1
