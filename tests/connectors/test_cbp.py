"""CBP's encounter CSVs: the real state file, small files in each real format, and the ways they break."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from orchestration.config import SAMPLE_RELEASES_DIR, load_settings
from orchestration.connectors import cbp, http
from orchestration.connectors.release import ParseError, ReleaseRef
from orchestration.samples import build_cbp_samples

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cbp"
SAMPLE_FILES = SAMPLE_RELEASES_DIR / "www.cbp.gov/sites/default/files/assets/documents/2023-Nov"
REAL_STATE = SAMPLE_FILES / "nationwide-encounters-fy20-fy23-state.csv"


def ref(family, name="test.csv") -> ReleaseRef:
    return ReleaseRef(family.name, f"file:///{name}", name)


def parse(family, path):
    parsed = family.parse(path, ref(family, path.name))
    (table,) = parsed.tables.values()
    return parsed, table


def months(first: date, last: date) -> list[date]:
    out = []
    while first <= last:
        out.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return out


def test_the_real_state_file_loads_every_row_with_its_line_number():
    parsed, table = parse(cbp.NATIONWIDE_STATE, REAL_STATE)
    assert table.num_rows == 42_532
    assert parsed.months == months(date(2019, 10, 1), date(2023, 9, 1))
    assert table.column_names == [c.name for c in cbp.NATIONWIDE_STATE.raw_tables["cbp_nationwide_state"]]
    assert table.slice(0, 1).to_pylist()[0] == {
        "source_row": 1, "month": date(2020, 4, 1), "fiscal_year": "2020", "month_grouping": "FYTD",
        "month_abbv": "APR",
        "land_border_region": "Northern Land Border", "state": "ID", "demographic": "Single Adults",
        "citizenship": "CANADA", "title_of_authority": "Title 8", "encounter_count": 2,
    }
    # the parser's calendar month: October-December of fiscal year N fall in calendar N-1
    labels_to_month = {(fy, m): month for fy, m, month in zip(
        table["fiscal_year"].to_pylist(), table["month_abbv"].to_pylist(), table["month"].to_pylist())}
    assert labels_to_month[("2020", "OCT")] == date(2019, 10, 1)
    assert labels_to_month[("2023", "SEP")] == date(2023, 9, 1)
    last = table.slice(42_531).to_pylist()[0]
    assert (last["source_row"], last["citizenship"], last["encounter_count"]) == (42_532, "VENEZUELA", 705)
    with REAL_STATE.open(newline="") as fh:
        assert sum(int(r["Encounter Count"]) for r in csv.DictReader(fh)) == 8_571_067
    assert sum(table["encounter_count"].to_pylist()) == 8_571_067
    # CBP's published Southwest Land Border total for FY2022.
    southwest_fy22 = sum(
        r["encounter_count"] for r in table.to_pylist()
        if r["fiscal_year"] == "2022" and r["land_border_region"] == "Southwest Land Border"
    )
    assert southwest_fy22 == 2_378_944


def test_an_aor_file_in_the_real_format():
    parsed, table = parse(cbp.NATIONWIDE_AOR, FIXTURES / "aor.csv")
    assert table.num_rows == 5
    assert parsed.months == [date(2023, 10, 1), date(2023, 11, 1)]
    row = table.slice(2, 1).to_pylist()[0]
    assert row["source_row"] == 3
    assert (row["component"], row["area_of_responsibility"], row["aor_abbv"]) == (
        "U.S. Border Patrol", "Tucson Sector", "Tucson")
    assert row["citizenship"] == "CHINA, PEOPLES REPUBLIC OF"
    assert table["encounter_count"].to_pylist() == [1874, 4102, 311, 12, 530]


def test_an_sbo_file_with_a_fiscal_year_to_date_label():
    parsed, table = parse(cbp.SBO, FIXTURES / "sbo.csv")
    assert parsed.months == [date(2024, 9, 1), date(2024, 10, 1), date(2024, 11, 1)]
    assert table["fiscal_year"].to_pylist()[2] == "2025 (FYTD)"  # raw keeps the file's text
    assert table["citizenship_grouping"].to_pylist()[2] == "Guatemala, Honduras, El Salvador"
    assert table["demographic"].to_pylist()[2] == "UAC"


def test_known_label_drift_and_reordered_columns_are_accepted(tmp_path):
    lines = (FIXTURES / "sbo.csv").read_text().splitlines()
    rows = list(csv.reader(lines))
    rows[0][5] = "Citizenship"  # the AOR/state label, used in some SBO releases
    reordered = [[r[8], *r[:8]] for r in rows]  # count first
    path = tmp_path / "sbo.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(reordered)
    _, table = parse(cbp.SBO, path)
    assert table["encounter_count"].to_pylist() == [20388, 3112, 1408, 97]
    assert table["citizenship_grouping"].to_pylist()[0] == "Mexico"


def broken(tmp_path, text: str | bytes) -> Path:
    path = tmp_path / "broken.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_a_changed_header_names_what_is_missing_and_what_is_new(tmp_path):
    text = (FIXTURES / "state.csv").read_text().replace("Encounter Count", "Encounters", 1)
    with pytest.raises(ParseError) as err:
        parse(cbp.NATIONWIDE_STATE, broken(tmp_path, text))
    assert str(err.value).endswith("changed CSV header: missing 'Encounter Count'; unexpected 'Encounters'")
    assert "cbp-nationwide-state broken.csv" in str(err.value)


def test_a_state_file_is_not_an_aor_file():
    with pytest.raises(ParseError, match="missing 'Component', 'Area of Responsibility', 'AOR \\(Abbv\\)', "
                                         "'Encounter Type'; unexpected 'State'"):
        parse(cbp.NATIONWIDE_AOR, FIXTURES / "state.csv")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"", "empty file"),
        (b"Fiscal Year,Month Grouping,Month (abbv),Land Border Region,State,Demographic,Citizenship,"
         b"Title of Authority,Encounter Count\r\n", "header only, no data rows"),
        (b"<html><body>Access Denied</body></html>\n", "changed CSV header: missing 'Fiscal Year'"),
    ],
)
def test_empty_and_header_only_files_fail(tmp_path, text, problem):
    with pytest.raises(ParseError, match=problem):
        parse(cbp.NATIONWIDE_STATE, broken(tmp_path, text))


def test_a_file_cut_inside_its_last_row_fails_but_a_missing_final_newline_is_fine(tmp_path):
    whole = (FIXTURES / "state.csv").read_bytes()
    with pytest.raises(ParseError, match=r"row 6: Encounter Count is missing"):
        parse(cbp.NATIONWIDE_STATE, broken(tmp_path, whole[:-3]))  # "...,Title 8,1" cut to "...,Title 8"
    assert parse(cbp.NATIONWIDE_STATE, broken(tmp_path, whole.rstrip(b"\r\n")))[1].num_rows == 6
    short_row = whole + b"2020,FYTD,APR,Northern Land Border\r\n"
    with pytest.raises(ParseError, match="malformed CSV: .*Line: 8.*Expected Number of Columns: 9 Found: 4"):
        parse(cbp.NATIONWIDE_STATE, broken(tmp_path, short_row))


def test_a_non_integer_count_names_the_first_bad_row(tmp_path):
    lines = (FIXTURES / "state.csv").read_bytes().split(b"\r\n")
    lines[3] = lines[3].replace(b",153", b",1.5e2")
    lines[5] = lines[5].replace(b",0", b",")
    with pytest.raises(ParseError, match=r"row 3: Encounter Count '1\.5e2' is not an integer"):
        parse(cbp.NATIONWIDE_STATE, broken(tmp_path, b"\r\n".join(lines)))


def test_an_unknown_month_names_its_row(tmp_path):
    text = (FIXTURES / "aor.csv").read_text().replace("2024,FYTD,NOV", "2024,FYTD,NOVX", 1)
    with pytest.raises(ParseError, match="row 4: not a month: 'NOVX'"):
        parse(cbp.NATIONWIDE_AOR, broken(tmp_path, text))


def test_discover_reads_the_page_and_resolves_links(tmp_path):
    site = tmp_path / "www.cbp.gov"
    shutil.copytree(FIXTURES / "www.cbp.gov", site)
    settings = load_settings(live=False)
    session = http.make_session(settings.releases.http)
    cfg = settings.family("cbp-nationwide-aor")
    refs = cbp.NATIONWIDE_AOR.discover(cfg, site.as_uri(), session)
    assert [(r.url.removeprefix(site.as_uri()), r.key, r.params, r.is_modelled) for r in refs] == [
        ("/sites/default/files/2026-07/nationwide-encounters-fy23-fy26-jun-aor.csv",
         "nationwide-encounters-fy23-fy26-jun-aor.csv",
         {"file_name": "nationwide-encounters-fy23-fy26-jun-aor.csv", "posted": "2026-07-01"}, False),
        ("https://www.cbp.gov/sites/default/files/2024-10/nationwide-encounters-fy21-fy24-aor.csv",
         "nationwide-encounters-fy21-fy24-aor.csv",
         {"file_name": "nationwide-encounters-fy21-fy24-aor.csv", "posted": "2024-10-01"}, True),
        ("/sites/default/files/assets/documents/2023-Nov/Nationwide-Encounters-FY20-FY23-AOR.csv",
         "Nationwide-Encounters-FY20-FY23-AOR.csv",
         {"file_name": "Nationwide-Encounters-FY20-FY23-AOR.csv", "posted": "2023-11-01"}, False),
    ]
    assert all(r.family == "cbp-nationwide-aor" for r in refs)
    with pytest.raises(ParseError, match="no link matching .* on the page"):
        cbp.SBO.discover(settings.family("cbp-sbo").model_copy(update={"page_url": cfg.page_url}), site.as_uri(),
                         session)


@pytest.mark.parametrize(
    ("family", "name", "rows", "modelled"),
    [
        (cbp.NATIONWIDE_AOR, "nationwide-encounters-fy20-fy23-aor.csv", 7_424, True),
        (cbp.NATIONWIDE_STATE, "nationwide-encounters-fy20-fy23-state.csv", 42_532, False),
        (cbp.SBO, "sbo-encounters-fy20-fy23.csv", 1_234, True),
    ],
)
def test_the_bundled_sample_discovers_and_parses(family, name, rows, modelled):
    settings = load_settings(live=False)
    cfg = settings.family(family.name)
    session = http.make_session(settings.releases.http)
    (found,) = family.discover(cfg, settings.publisher_base(cfg.publisher), session)
    assert (found.key, found.is_modelled) == (name, modelled)
    parsed = family.parse(SAMPLE_FILES / name, found)
    assert parsed.row_count == rows
    assert parsed.months == months(date(2019, 10, 1), date(2023, 9, 1))


def test_the_modelled_files_are_rebuilt_byte_for_byte_and_keep_the_real_totals():
    aor = build_cbp_samples.model_aor_rows()
    aor_bytes = build_cbp_samples.csv_bytes(build_cbp_samples.AOR_HEADER, aor)
    assert aor_bytes == build_cbp_samples.AOR_CSV.read_bytes()
    sbo_bytes = build_cbp_samples.csv_bytes(build_cbp_samples.SBO_HEADER, build_cbp_samples.sbo_rows(aor))
    assert sbo_bytes == build_cbp_samples.SBO_CSV.read_bytes()
    _, state = parse(cbp.NATIONWIDE_STATE, REAL_STATE)
    real_southwest = sum(
        r["encounter_count"] for r in state.to_pylist() if r["land_border_region"] == "Southwest Land Border"
    )
    assert sum(r[-1] for r in aor) == real_southwest == 7_047_387
