"""EOUSA National Caseload Data: README layouts, streaming loads, the ways releases break, discovery and
resumable downloads. Small disks are written in EOUSA's format by tests/support/eousa_release.py, from
column lists given per test, so a test can move columns between "releases" the way layouts drift.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.config import SAMPLE_RELEASES_DIR
from orchestration.connectors import eousa, http
from orchestration.connectors.eousa import discover, fetch
from orchestration.connectors.eousa.layouts import Column, parse_readme, table_of
from orchestration.connectors.eousa.records import NEEDED
from orchestration.connectors.release import FetchError, ParseError, PublisherUnreachable, ReleaseRef
from orchestration.samples import build_eousa_sample
from orchestration.warehouse import ingest, ncd_loader
from tests.support.eousa_release import CASE, COURT, PART, PROG, layout_text, record, write_disk
from tests.support.publisher import closed_port, reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eousa"

CASES = [
    {"DISTRICT": "AZ", "ID": "2018R00001", "CLASS": "R", "NAME": "USA V. ONE", "RECVD_DATE": "01-JUN-2018",
     "LEAD_CHARGE": "08 :01326(a)", "STATUS": "A"},
    {"DISTRICT": "AZ", "ID": "2018R00002", "CLASS": "R", "NAME": "USA V.\rTWO", "RECVD_DATE": "11-MAR-0024",
     "LEAD_CHARGE": "*", "STATUS": "C"},
    {"DISTRICT": "TXS", "ID": "2018R00003", "CLASS": "V", "NAME": "CIVIL", "RECVD_DATE": "31-FEB-2018",
     "LEAD_CHARGE": "", "STATUS": "C"},
]


def release_dir(tmp_path: Path, *, case_columns=CASE, cases=CASES, name="release") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    write_disk(folder / "DISK01.ZIP", {
        "gs_case.txt": ("GS_CASE", case_columns, cases),
        "gs_case_prog_cat.txt": ("GS_CASE_PROG_CAT", PROG, [{"DISTRICT": "AZ", "CASEID": "2018R00001", "PROG_CAT": "055", "ID": "7"}]),
    })
    write_disk(folder / "DISK02.ZIP", {
        "gs_court_hist.txt": ("GS_COURT_HIST", COURT, [
            {"DISTRICT": "AZ", "CASEID": "2018R00001", "ID": "1", "COURT": "MG", "FILING_DATE": "02-JUN-2018"},
            {"DISTRICT": "AZ", "CASEID": "2018R00002", "ID": "2", "COURT": "DC", "FILING_DATE": "*"},
        ]),
    })
    write_disk(folder / "DISK03.ZIP", {
        "gs_participant_AZ.txt": ("GS_PARTICIPANT", PART, [
            {"DISTRICT": "AZ", "CASEID": "2018R00001", "ID": "5", "TYPE": "A", "ROLE": "IN", "AGENCY": "HSCB"},
            {"DISTRICT": "AZ", "CASEID": "2018R00001", "ID": "6", "TYPE": "I", "ROLE": "D", "DEFEND_NUM": "1"},
        ]),
        "gs_participant_TXS.txt": ("GS_PARTICIPANT", PART, [
            {"DISTRICT": "TXS", "CASEID": "2018R00003", "ID": "9", "TYPE": "I", "ROLE": "D*", "AGENCY": "*"},
        ]),
    })
    return folder


def load(settings, folder: Path) -> ingest.IngestResult:
    ref = ingest.ref_for_location(settings, "eousa-ncd", str(folder))
    con = ingest.connect_build(settings)
    try:
        return ingest.ingest_release(settings, con, http.make_session(settings.releases.http), ref)
    finally:
        con.close()


def rows(settings, sql: str, params=None):
    con = duckdb.connect(str(settings.build_warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# ------------------------------------------------------------------ README layouts


def test_the_real_sep_fy2018_disk01_readme_gives_every_layout_and_the_file_listing():
    text = (FIXTURES / "README_DISK01_SEPFY2018.TXT").read_text(encoding="latin-1")
    readme = parse_readme(text, "DISK01")
    assert readme.title == "README.TXT FILES DISK01.ZIP"
    assert readme.listing["gs_case.txt"] == 2_217_320_048
    assert len(readme.listing) == 8
    assert sorted(readme.layouts) == [
        "GS_ALSO_KNOWN", "GS_ARCHIVE_CASE", "GS_ARCHIVE_PART", "GS_CASE", "GS_CASE_CAUSE_ACT",
        "GS_CASE_DOJ_DIV", "GS_CASE_DOM_TERR_IND", "GS_CASE_PROG_CAT",
    ]
    case = readme.layouts["GS_CASE"]
    assert case.width == 366 and len(case.columns) == 43
    spans = sorted((c.begin, c.end) for c in case.columns.values())
    assert all(b == a_end + 1 for (_, a_end), (b, _) in zip(spans, spans[1:]))  # contiguous, no gaps
    assert case.columns["DISTRICT"] == Column("DISTRICT", True, "VARCHAR2(3)", 1, 3)
    assert case.columns["LEAD_CHARGE"] == Column("LEAD_CHARGE", False, "VARCHAR2(25)", 158, 182)
    assert case.columns["TOT_VICTIMS"].type == "NUMBER(11)"
    assert readme.layouts["GS_CASE_PROG_CAT"].columns["PROG_CAT"].begin == 21
    assert not readme.is_modelled
    # 2,217,320,048 bytes = 6,041,744 records (EOUSA's log) x (366 + newline)
    assert readme.listing["gs_case.txt"] == 6_041_744 * (case.width + 1)


@pytest.mark.parametrize("bad, problem", [
    ("DISTRICT   NOT NULL   VARCHAR2(3)   (1:3)\nID   VARCHAR2(10)   (3:12)\nX  VARCHAR2(1) (13:13)", "overlap"),
    ("DISTRICT   NOT NULL   VARCHAR2(3)   (1:3)\nID   VARCHAR2(10)   (4:12)", "last column ends at 12"),
    ("DISTRICT   NOT NULL   VARCHAR2(3)   (1:3)\nID   VARCHAR2(10)   (4:14)", "outside a 13-character record"),
])
def test_an_inconsistent_layout_is_refused(bad, problem):
    with pytest.raises(ValueError, match=problem):
        parse_readme(f"README.TXT FILES DISK01.ZIP\nGS_CASE - 13 Characters\n{bad}\n", "DISK01")


def test_split_files_find_their_table():
    layouts = {"GS_CASE": None, "GS_CASE_PROG_CAT": None, "GS_PARTICIPANT": None}
    assert table_of("gs_case.txt", layouts, NEEDED) == "GS_CASE"
    assert table_of("gs_case_prog_cat.txt", layouts, NEEDED) == "GS_CASE_PROG_CAT"
    assert table_of("gs_participant_ALM.txt", layouts, NEEDED) == "GS_PARTICIPANT"
    assert table_of("gs_court_hist.txt", {}, NEEDED) == "GS_COURT_HIST"  # needed, even without a layout
    assert table_of("README.TXT", layouts, NEEDED) is None


# ------------------------------------------------------------------ loading


def test_a_release_loads_only_the_needed_columns_with_redactions_bad_dates_and_crs(settings, tmp_path):
    result = load(settings, release_dir(tmp_path))
    assert result.status == "loaded", result.error
    assert result.table_rows["eousa_ncd_case"] == 3
    assert result.table_rows["eousa_ncd_participant"] == 3
    assert rows(settings, "SELECT district, id, class, recvd_date, lead_charge, status FROM raw.eousa_ncd_case ORDER BY id") == [
        ("AZ", "2018R00001", "R", date(2018, 6, 1), "08 :01326(a)", "A"),
        ("AZ", "2018R00002", "R", None, None, "C"),  # CR inside NAME shifted nothing
        ("TXS", "2018R00003", "V", None, None, "C"),
    ]
    assert rows(settings, "SELECT source_file, role, agency FROM raw.eousa_ncd_participant ORDER BY id") == [
        ("gs_participant_AZ.txt", "IN", "HSCB"), ("gs_participant_AZ.txt", "D", None),
        ("gs_participant_TXS.txt", "D*", None),
    ]
    quality = rows(settings, "SELECT table_name, column_name, issue, cells, example FROM raw.eousa_ncd_quality ORDER BY ALL")
    assert quality == [
        ("GS_CASE", "LEAD_CHARGE", "redacted", 1, "*"),
        ("GS_CASE", "RECVD_DATE", "bad_date", 2, quality[1][4]),
        ("GS_COURT_HIST", "FILING_DATE", "redacted", 1, "*"),
        ("GS_PARTICIPANT", "AGENCY", "redacted", 1, "*"),
    ]
    assert quality[1][4] in ("11-MAR-0024", "31-FEB-2018")
    # the release covers the months its court filings fall in (the redacted filing date dates nothing)
    filed = rows(settings, "SELECT DISTINCT CAST(date_trunc('month', filing_date) AS DATE) "
                           "FROM raw.eousa_ncd_court_hist WHERE filing_date IS NOT NULL ORDER BY 1")
    assert filed and rows(settings, "SELECT months_covered FROM meta.releases") == [([m for (m,) in filed],)]
    # row_count adds up the disks, tables, files and quality rows the release loaded
    assert rows(settings, "SELECT status, is_modelled, row_count FROM meta.releases") == [
        ("loaded", False, 3 + 3 + 1 + 2 + 3 + 5 + 4)
    ]
    assert rows(settings, "SELECT disk, bytes FROM raw.eousa_ncd_disks ORDER BY disk") == [
        (d.name, d.stat().st_size) for d in sorted((tmp_path / "release").iterdir())
    ]


def test_layout_drift_between_releases_is_read_from_each_readme(settings, tmp_path):
    """A later release adds a column before LEAD_CHARGE and widens ID: the same values come out."""
    drifted = [("DISTRICT", "VARCHAR2(3)", 3), ("ID", "VARCHAR2(12)", 12), ("CLASS", "VARCHAR2(1)", 1),
               ("NEW_FLAG", "VARCHAR2(2)", 2), ("NAME", "VARCHAR2(50)", 50), ("RECVD_DATE", "DATE", 11),
               ("LEAD_CHARGE", "VARCHAR2(30)", 30), ("STATUS", "VARCHAR2(1)", 1)]
    first = load(settings, release_dir(tmp_path, name="old"))
    second = load(settings, release_dir(tmp_path, case_columns=drifted,
                                        cases=[dict(c, NEW_FLAG="XX") for c in CASES], name="new"))
    assert first.status == second.status == "loaded"
    assert first.release_id != second.release_id
    per_release = rows(settings, """SELECT release_id, list(id || lead_charge ORDER BY id) FROM raw.eousa_ncd_case
                                    WHERE lead_charge IS NOT NULL GROUP BY 1""")
    assert {v[0] for _, v in per_release} == {"2018R0000108 :01326(a)"} and len(per_release) == 2


def _rewrite(disk: Path, change) -> None:
    """Rewrite every table file of a disk with `change(body)`, and its README's file listing to match
    (what a copy made with common tools, then listed again, looks like)."""
    with zipfile.ZipFile(disk) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    readme = members.pop("README.TXT").decode("latin-1")
    changed = {n: change(b) for n, b in members.items()}
    for name, body in members.items():
        readme = readme.replace(f"{len(body):,} {name}", f"{len(changed[name]):,} {name}")
    with zipfile.ZipFile(disk, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.TXT", readme.encode("latin-1"))
        for name, body in changed.items():
            zf.writestr(name, body)


def _crlf_trimmed(body: bytes) -> bytes:
    """CRLF line ends, trailing blanks trimmed from each record, and no newline after the last one."""
    return b"\r\n".join(line.rstrip(b" ") for line in body.split(b"\n")[:-1])


LOADED = {
    "eousa_ncd_case": "district, id, class, recvd_date, lead_charge, status",
    "eousa_ncd_case_prog_cat": "district, caseid, prog_cat, id",
    "eousa_ncd_court_hist": "district, caseid, id, court, filing_date",
    "eousa_ncd_participant": "district, caseid, id, type, role, defend_num, agency",
}


def _values(settings, release_id):
    return {t: rows(settings, f"SELECT {c} FROM raw.{t} WHERE release_id = ? ORDER BY ALL", [release_id])
            for t, c in LOADED.items()}


def test_crlf_and_trimmed_copies_of_the_records_load_the_same_values(settings, tmp_path):
    padded = load(settings, release_dir(tmp_path))
    copy = release_dir(tmp_path, name="copy")
    for disk in copy.iterdir():
        _rewrite(disk, _crlf_trimmed)
    copied = load(settings, copy)
    assert copied.status == "loaded", copied.error
    assert copied.release_id != padded.release_id
    assert _values(settings, copied.release_id) == _values(settings, padded.release_id)
    # the CR byte inside a NAME field is still a blank, the release's first case untouched
    assert rows(settings, "SELECT sum(records_set_aside) FROM raw.eousa_ncd_files") == [(0,)]


def test_the_bundled_sample_as_a_crlf_trimmed_copy_loads_as_a_new_release_with_the_same_records(settings, tmp_path):
    original = tmp_path / "sample"
    shutil.copytree(build_eousa_sample.DISKS, original)
    copy = tmp_path / "copy"
    shutil.copytree(build_eousa_sample.DISKS, copy)
    for disk in copy.iterdir():
        _rewrite(disk, lambda body: _crlf_trimmed(body) if body.endswith(b"\n") and b"\r" not in body[-2:] else body)
    first, second = load(settings, original), load(settings, copy)
    assert (first.status, second.status) == ("loaded", "loaded"), second.error
    assert first.release_id != second.release_id
    assert second.table_rows == first.table_rows
    assert _values(settings, second.release_id) == _values(settings, first.release_id)


def _many_cases(n: int) -> list[dict]:
    return [{"DISTRICT": "AZ", "ID": f"2018R{i:05d}", "CLASS": "R", "NAME": f"USA V. {i}", "RECVD_DATE": "01-JUN-2018",
             "LEAD_CHARGE": "08 :01326(a)", "STATUS": "A"} for i in range(n)]


REQUIRED_CASE = [(n, ("NOT NULL " if n in {"DISTRICT", "ID", "CLASS", "RECVD_DATE"} else "") + t, w) for n, t, w in CASE]


def _damage(body: bytes, lines: dict[int, bytes]) -> bytes:
    """Replace the given (0-based) lines of a file."""
    out = body.split(b"\n")
    for i, new in lines.items():
        out[i] = new
    return b"\n".join(out)


def test_a_few_bad_records_are_set_aside_and_reported_the_rest_load(settings, tmp_path):
    folder = release_dir(tmp_path, case_columns=REQUIRED_CASE, cases=_many_cases(4000))
    width = sum(w for _, _, w in CASE)

    def damage(body):
        if not body.startswith(b"AZ 2018R00000"):
            return body
        lines = body.split(b"\n")
        broken = lines[10][:30] + b"\n" + lines[10][30:]  # a raw line break inside the NAME field
        return _damage(body, {5: lines[5] + b" EXTRA TEXT PAST THE LAYOUT", 10: broken})

    _rewrite(folder / "DISK01.ZIP", damage)
    result = load(settings, folder)
    assert result.status == "loaded", result.error
    assert result.table_rows["eousa_ncd_case"] == 3998
    assert result.table_rows["eousa_ncd_rejects"] == 3
    assert rows(settings, "SELECT disk, source_file, line_number, reason FROM raw.eousa_ncd_rejects ORDER BY 3") == [
        ("DISK01.ZIP", "gs_case.txt", 6, f"longer than its layout (128 characters, the layout has {width})"),
        ("DISK01.ZIP", "gs_case.txt", 11, "a record broken by a line break inside a field (lines 11-12)"),
        ("DISK01.ZIP", "gs_case.txt", 12, "a record broken by a line break inside a field (lines 11-12)"),
    ]
    assert rows(settings, "SELECT records, records_set_aside FROM raw.eousa_ncd_files WHERE source_file = 'gs_case.txt'") \
        == [(3998, 3)]
    assert rows(settings, "SELECT count(*) FROM raw.eousa_ncd_case WHERE id IN ('2018R00005', '2018R00010')") == [(0,)]


def test_many_bad_records_refuse_the_release_naming_the_file_and_the_first_bad_lines(settings, tmp_path):
    folder = release_dir(tmp_path)
    # a README that says GS_CASE is 2 characters narrower than its records: every record is too long
    narrowed = [*CASE[:-2], ("LEAD_CHARGE", "VARCHAR2(23)", 23), CASE[-1]]
    body = b"".join(record(CASE, c) for c in CASES)
    readme = f"README.TXT FILES DISK01.ZIP\n\nTable Layouts:\n\n{layout_text('GS_CASE', narrowed)}\n\n{layout_text('GS_CASE_PROG_CAT', PROG)}\n"
    with zipfile.ZipFile(folder / "DISK01.ZIP", "w") as zf:
        zf.writestr("README.TXT", readme)
        zf.writestr("gs_case.txt", body)
        zf.writestr("gs_case_prog_cat.txt", record(PROG, {"DISTRICT": "AZ", "CASEID": "1", "PROG_CAT": "055", "ID": "1"}))
    result = load(settings, folder)
    assert result.status == "failed"
    assert "eousa-ncd" in result.error
    assert ("DISK01.ZIP: gs_case.txt: 3 of 3 records set aside, over the 0.10% a release may lose "
            "([checks] max_ncd_rejected_ratio); first: line 1: longer than its layout (101 characters, the layout "
            "has 99); line 2:") in result.error
    assert rows(settings, "SELECT count(*) FROM raw.eousa_ncd_participant") == [(0,)]  # nothing half-loaded
    assert rows(settings, "SELECT count(*) FROM raw.eousa_ncd_rejects") == [(0,)]
    assert rows(settings, "SELECT status FROM meta.releases") == [("failed",)]


@pytest.mark.parametrize("header", ["GS_CASE - {w} Characters", "GS_CASE - {w}", "gs_case -{w} characters",
                                    "  GS_CASE  -  {w}  CHARACTERS  "])
def test_readme_table_headers_in_other_wordings_give_the_layout(header):
    text = layout_text("GS_CASE", CASE).replace(f"GS_CASE - {sum(w for _, _, w in CASE)} Characters",
                                                 header.format(w=sum(w for _, _, w in CASE)))
    layout = parse_readme("README.TXT FILES DISK01.ZIP\n" + text, "DISK01").layouts["GS_CASE"]
    assert layout.width == 101 and layout.columns["STATUS"].end == 101


def test_a_truncated_disk_fails_naming_the_disk_and_loads_nothing(settings, tmp_path):
    folder = release_dir(tmp_path)
    disk = folder / "DISK03.ZIP"
    disk.write_bytes(disk.read_bytes()[: disk.stat().st_size // 2])
    result = load(settings, folder)
    assert result.status == "failed"
    assert "DISK03.ZIP: not a readable zip" in result.error and "truncated" in result.error
    assert rows(settings, "SELECT count(*) FROM raw.eousa_ncd_case") == [(0,)]
    assert Path(result.landing_path).exists()  # the manifest and the disks stay for inspection


def test_a_table_file_shorter_than_the_readme_lists_fails(settings, tmp_path):
    folder = release_dir(tmp_path)
    with zipfile.ZipFile(folder / "DISK02.ZIP") as zf:
        readme, body = zf.read("README.TXT"), zf.read("gs_court_hist.txt")
    with zipfile.ZipFile(folder / "DISK02.ZIP", "w") as zf:
        zf.writestr("README.TXT", readme)
        zf.writestr("gs_court_hist.txt", body[: len(body) // 2])  # whole records gone, the rest intact
    result = load(settings, folder)
    assert result.status == "failed"
    assert f"DISK02.ZIP: gs_court_hist.txt is {len(body) // 2:,} bytes but its README lists {len(body):,}" in result.error


def test_a_readme_missing_a_needed_table_fails_naming_release_disk_and_table(settings, tmp_path):
    folder = release_dir(tmp_path)
    write_disk(folder / "DISK02.ZIP", {"gs_court_hist.txt": ("GS_COURT_HIST", COURT, [])}, readme_tables=[])
    result = load(settings, folder)
    assert result.status == "failed"
    assert "eousa-ncd release" in result.error
    assert "DISK02.ZIP: holds gs_court_hist.txt but its README has no GS_COURT_HIST layout" in result.error


def test_a_layout_lacking_a_needed_column_or_a_missing_table_fails(settings, tmp_path):
    folder = release_dir(tmp_path)
    write_disk(folder / "DISK02.ZIP", {"gs_court_hist.txt": ("GS_COURT_HIST", [c for c in COURT if c[0] != "COURT"], [])})
    assert "README layout of GS_COURT_HIST lacks COURT" in load(settings, folder).error
    (folder / "DISK02.ZIP").unlink()
    assert "no disk holds GS_COURT_HIST" in load(settings, folder).error


def test_a_readme_that_cannot_be_read_fails(settings, tmp_path):
    folder = release_dir(tmp_path)
    with zipfile.ZipFile(folder / "DISK01.ZIP", "w") as zf:
        zf.writestr("gs_case.txt", b"")
    assert "DISK01.ZIP: no README.TXT in the zip" in load(settings, folder).error


def test_unpacked_disks_load_like_zips_and_the_same_disks_are_the_same_release(settings, tmp_path):
    zipped = release_dir(tmp_path)
    unpacked = tmp_path / "unpacked"
    for disk in sorted(zipped.iterdir()):
        with zipfile.ZipFile(disk) as zf:
            zf.extractall(unpacked / disk.stem)
    result = load(settings, unpacked)
    assert result.status == "loaded", result.error
    assert result.table_rows["eousa_ncd_case"] == 3
    assert load(settings, unpacked).status == "unchanged"


# ------------------------------------------------------------------ the sample, discovery, download


def test_the_sample_release_is_rebuilt_byte_for_byte():
    bundled = [*sorted(build_eousa_sample.DISKS.iterdir()), build_eousa_sample.RELEASE_PAGE, build_eousa_sample.INDEX]
    before = {p: p.read_bytes() for p in bundled}
    assert sorted(build_eousa_sample.build()) == sorted(bundled)
    assert {p: p.read_bytes() for p in bundled} == before


def test_discovery_reads_the_index_then_the_release_page_and_flags_the_sample_modelled(settings):
    refs = ingest.discover(settings, http.make_session(settings.releases.http), "eousa-ncd")
    assert [(r.key, r.params["link_text"], r.is_modelled) for r in refs] == [("2019-09", "September 2019 data files", True)]
    result = ingest.ingest_release(settings, ingest.connect_build(settings), http.make_session(settings.releases.http), refs[0])
    assert result.status == "loaded", result.error
    assert rows(settings, "SELECT count(*), bool_and(is_modelled) FROM raw.eousa_ncd_disks") == [(5, True)]
    assert rows(settings, "SELECT is_modelled FROM meta.releases") == [(True,)]


INDEX = b"""<html><body><ul>
<li><a href="/usao/resources/foia-library/national-caseload-data/2017">FY 2017 data files</a></li>
<li><a href="/ncd/nov">November 2025 data files</a></li>
<li><a href="/ncd/jan">January 2026 data files</a></li>
<li><a href="/ncd/dec">December 2025 data files</a></li>
<li><a href="/foia">FOIA</a></li></ul></body></html>"""


def test_discovery_keeps_the_newest_dumps_named_by_month(server, settings):
    server.routes["/usao/resources/foia-library/national-caseload-data"] = [reply(body=INDEX, headers={"Content-Type": "text/html"})]
    cfg = settings.family("eousa-ncd").model_copy(update={"fetch_latest": 2})
    session = http.make_session(settings.releases.http)
    refs = discover.discover(cfg, server.url, session)
    assert [(r.key, r.url) for r in refs] == [("2025-12", server.url + "/ncd/dec"), ("2026-01", server.url + "/ncd/jan")]
    every = discover.discover(cfg.model_copy(update={"fetch_latest": 9}), server.url, session)
    assert [r.key for r in every] == ["2017-09-fy", "2025-11", "2025-12", "2026-01"]


def test_disks_without_a_zip_name_in_their_url_are_named_from_the_link_text():
    assert fetch.disk_name("https://www.justice.gov/usao/page/file/1234/download", "Disk 3 (zip)") == "DISK03.ZIP"
    assert fetch.disk_name("https://x/DISK07.ZIP", "whatever") == "DISK07.ZIP"


def _ranged(body: bytes, cut: int | None = None):
    """Serve `body`; honour a Range request with a 206; with `cut`, promise all and send `cut` bytes."""
    def action(h):
        start = int(h.headers["Range"][6:-1]) if h.headers.get("Range") else 0
        part = body[start:]
        h.send_response(206 if start else 200)
        h.send_header("Content-Type", "application/zip")
        h.send_header("Content-Length", str(len(part)))
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        h.end_headers()
        h.wfile.write(part[:cut] if cut is not None else part)
        h.wfile.flush()
    return action


def test_a_cut_download_resumes_from_where_it_stopped(server, settings, tmp_path):
    body = bytes(range(256)) * 400
    server.routes["/DISK01.ZIP"] = [_ranged(body, cut=30_000), _ranged(body)]
    part = tmp_path / "DISK01.ZIP.part"
    session = http.make_session(settings.releases.http)
    with pytest.raises(FetchError):
        http.download_resumable(session, server.url + "/DISK01.ZIP", part, "disk 1")
    assert 0 < part.stat().st_size < len(body)
    held = part.stat().st_size
    assert http.download_resumable(session, server.url + "/DISK01.ZIP", part, "disk 1") == len(body)
    assert part.read_bytes() == body
    assert server.requests[-1][1]["Range"] == f"bytes={held}-"


def test_a_server_that_ignores_range_restarts_the_file(server, settings, tmp_path):
    body = b"PK" + b"x" * 5000
    server.routes["/d.zip"] = [reply(body=body, headers={"Content-Type": "application/zip"})]
    part = tmp_path / "d.zip.part"
    part.write_bytes(b"garbage")
    session = http.make_session(settings.releases.http)
    assert http.download_resumable(session, server.url + "/d.zip", part, "d") == len(body)
    assert part.read_bytes() == body


def test_fetch_from_a_site_lands_each_disk_and_keeps_only_the_newest_dumps(server, settings, tmp_path):
    folder = release_dir(tmp_path)
    disks = sorted(folder.iterdir())
    links = "".join(f'<a href="/file/{i}/download">Disk {i} (zip)</a>' for i, _ in enumerate(disks, start=1))
    server.routes["/ncd/sep"] = [reply(body=links.encode(), headers={"Content-Type": "text/html"})]
    for i, disk in enumerate(disks, start=1):
        server.routes[f"/file/{i}/download"] = [_ranged(disk.read_bytes())]
    dest = settings.landing / "eousa-ncd"
    cfg = settings.family("eousa-ncd").model_copy(update={"keep_dumps": 1})
    ref = ReleaseRef("eousa-ncd", server.url + "/ncd/sep", "2018-09")
    dl = fetch.fetch(http.make_session(settings.releases.http), ref, dest,
                         http_cfg=settings.releases.http, family_cfg=cfg)
    manifest = json.loads(dl.path.read_bytes())
    assert [(d["name"], d["bytes"]) for d in manifest["disks"]] == [
        (f"DISK{i:02d}.ZIP", disk.stat().st_size) for i, disk in enumerate(disks, start=1)
    ]
    landed = sorted(dest.glob("??/*/DISK*.ZIP"), key=lambda p: p.name)
    assert [p.read_bytes() for p in landed] == [d.read_bytes() for d in disks]
    # the same dump again: its page is read, its landed disks are not downloaded again
    asked = len(server.requests)
    again = fetch.fetch(http.make_session(settings.releases.http), ref, dest,
                            http_cfg=settings.releases.http, family_cfg=cfg)
    assert [p for p, _ in server.requests[asked:]] == ["/ncd/sep"]
    assert again.sha256 == dl.sha256
    # a newer dump with other disks: with keep_dumps = 1, the older dump's zips go, its manifest stays
    (dest / "aa" / ("a" * 64)).mkdir(parents=True)
    old_manifest = dest / "aa" / ("a" * 64) / "old"
    old_manifest.write_bytes(dl.path.read_bytes())
    deleted = fetch.prune(dest, keep=1, current={"b" * 64})
    assert set(deleted) == set(landed) and old_manifest.exists()
    with pytest.raises(ParseError, match="no longer in the landing folder"):
        eousa.parse(old_manifest, ref)


def test_a_disk_link_is_always_fetched_never_opened_as_a_local_path(server, settings, tmp_path, monkeypatch):
    """A link's URL read as a path names a file relative to the working folder (`http:/host:port/DISK01.ZIP`):
    only a folder the operator names is read from disk; a page's links are fetched, here from nowhere."""
    port = closed_port()
    monkeypatch.chdir(tmp_path)
    secret = tmp_path / f"http:/127.0.0.1:{port}/DISK01.ZIP"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"a local file, not a disk")
    link = f'<a href="http://127.0.0.1:{port}/DISK01.ZIP">Disk 1 (zip)</a>'
    server.routes["/ncd/sep"] = [reply(body=link.encode(), headers={"Content-Type": "text/html"})]
    dest = settings.landing / "eousa-ncd"
    ref = ReleaseRef("eousa-ncd", server.url + "/ncd/sep", "2018-09")
    with pytest.raises(PublisherUnreachable, match="refused"):
        fetch.fetch(http.make_session(settings.releases.http), ref, dest,
                    http_cfg=settings.releases.http, family_cfg=settings.family("eousa-ncd"))
    assert not list(dest.glob("??/*/DISK01.ZIP"))


def test_the_sample_site_disk_links_point_at_the_bundled_zips():
    page = (build_eousa_sample.RELEASE_PAGE).read_text(encoding="utf-8")
    assert page.count('data-basis="modelled"') == 5
    for n in range(1, 6):
        assert (SAMPLE_RELEASES_DIR / "www.justice.gov/usao/page/file/ncd-sample-sepfy2019" / f"DISK{n:02d}.ZIP").exists()


def test_the_loader_connection_gets_its_memory_settings_back(settings, tmp_path):
    con = ingest.connect_build(settings)
    query = "SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'preserve_insertion_order') ORDER BY 1"
    try:
        before = con.execute(query).fetchall()
        ref = ingest.ref_for_location(settings, "eousa-ncd", str(release_dir(tmp_path)))
        assert ingest.ingest_release(settings, con, http.make_session(settings.releases.http), ref).status == "loaded"
        after = con.execute(query).fetchall()
    finally:
        con.close()
    (_, limit_before), order_before = before
    (_, limit_after), order_after = after
    assert order_after == order_before
    # restored to the precision DuckDB displays it with (18.8 GiB may come back as 18.7 GiB)
    assert abs(float(limit_after.split()[0]) - float(limit_before.split()[0])) < 0.11
    assert limit_after.split()[1] == limit_before.split()[1] and limit_after != ncd_loader.LOAD_MEMORY_LIMIT
