"""The NCD models on a tiny real-format release loaded by the connector: TRAC's first-filing dating and the
District-Court-only dating give the counts worked out by hand below, per series, with basis and release.

AZ, all criminal unless said: case 1 (1 defendant, immigration, CBP) filed in magistrate court 28 May
2018 and in district court 10 June; case 2 (2 defendants, immigration, CBP) magistrate court only, 3 June;
case 3 (1 defendant, drugs, DEA) district court only, 15 June; case 4 is civil (filed 1 June, never counts).
"""

from __future__ import annotations

import zipfile
from datetime import date

import duckdb
import pytest

from orchestration.connectors import http
from orchestration.samples import build_eousa_sample
from orchestration.warehouse import ingest
from tests.support.dbt_inprocess import DATABASE, dbt
from tests.support.eousa_release import CASE, COURT, PART, PROG, write_disk

pytestmark = pytest.mark.slow


# The release's codes as LIONS Appendix A documents them, and the same codes renumbered: the counts must
# follow the release's own code table, so both releases count the same cases.
DOCUMENTED = {"R": "R", "055": "055", "040": "040", "HSCB": "HSCB", "JUDE": "JUDE", "MG": "MG", "DC": "DC",
              "IN": "IN", "D": "D"}
RENUMBERED = {"R": "C", "055": "077", "040": "055", "HSCB": "CBPX", "JUDE": "HSCB", "MG": "MA", "DC": "MG",
              "IN": "AG", "D": "DF"}


def _code_tables(code):
    """The release's code tables, its codes given by `code` (documented code -> the release's)."""
    return {
        "GS_PROG_CAT": [(code["055"], "Immigration"), (code["040"], "Drug Dealing")],
        "GS_AGENCY": [(code["HSCB"], "Bureau of Customs & Border Protection"),
                      (code["JUDE"], "Drug Enforcement Administration")],
        "GS_COURT": [(code["DC"], "District Court"), (code["MG"], "Magistrate Court"),
                     ("MD", "District Court (Miscellaneous)")],
        "GS_ROLE": [(code["IN"], "Investigative Agency"), (code["D"], "Defendant")],
        "GS_CLASS": [(code["R"], "Criminal"), ("V", "Civil")],
    }


def _case(i, code, cls="R"):
    return {"DISTRICT": "AZ", "ID": f"2018R0000{i}", "CLASS": code.get(cls, cls), "RECVD_DATE": "01-MAY-2018",
            "STATUS": "A"}


def _release(folder, code=DOCUMENTED, tables=None):
    """The hand-worked release, its data in the codes `code` gives; with `tables`, a last disk of code
    tables in EOUSA's format (global_LIONS.txt, table_gs_class.txt)."""
    folder.mkdir()
    cid = {i: f"2018R0000{i}" for i in range(1, 5)}
    write_disk(folder / "DISK01.ZIP", {
        "gs_case.txt": ("GS_CASE", CASE, [_case(1, code), _case(2, code), _case(3, code), _case(4, code, "V")]),
        "gs_case_prog_cat.txt": ("GS_CASE_PROG_CAT", PROG, [
            {"DISTRICT": "AZ", "CASEID": cid[i], "PROG_CAT": code[cat], "ID": str(i)}
            for i, cat in ((1, "055"), (2, "055"), (3, "040"), (4, "055"))
        ]),
    })
    filings = [(1, "MG", "28-MAY-2018"), (1, "DC", "10-JUN-2018"), (2, "MG", "03-JUN-2018"),
               (3, "DC", "15-JUN-2018"), (4, "DC", "01-JUN-2018")]
    write_disk(folder / "DISK02.ZIP", {"gs_court_hist.txt": ("GS_COURT_HIST", COURT, [
        {"DISTRICT": "AZ", "CASEID": cid[c], "ID": str(n), "COURT": code[court], "FILING_DATE": filed}
        for n, (c, court, filed) in enumerate(filings, start=1)
    ])})
    people = [(1, "IN", "HSCB"), (1, "D", ""), (2, "IN", "HSCB"), (2, "D", ""), (2, "D", ""),
              (3, "IN", "JUDE"), (3, "D", ""), (4, "D", "")]
    write_disk(folder / "DISK03.ZIP", {"gs_participant_AZ.txt": ("GS_PARTICIPANT", PART, [
        {"DISTRICT": "AZ", "CASEID": cid[c], "ID": str(100 + n), "TYPE": "A" if role == "IN" else "I",
         "ROLE": code[role], "AGENCY": code.get(agency, agency)}
        for n, (c, role, agency) in enumerate(people)
    ])})
    if tables is not None:
        with zipfile.ZipFile(folder / "DISK04.ZIP", "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("README.TXT", "README.TXT FILES DISK04.ZIP\r\n")
            for name, body in build_eousa_sample._code_tables(tables).items():
                zf.writestr(name, body)
    return folder


def _build(settings, tmp_path, folder):
    ref = ingest.ref_for_location(settings, "eousa-ncd", str(folder))
    con = ingest.connect_build(settings)
    try:
        result = ingest.ingest_release(settings, con, http.make_session(settings.releases.http), ref)
    finally:
        con.close()
    assert result.status == "loaded", result.error

    assert settings.build_warehouse == tmp_path / DATABASE
    run = dbt(tmp_path, "build", "--select", "+fct_ncd_defendants_filed_district_month",
              "+int_eousa__prosecutions_by_program", "--indirect-selection", "cautious", check=False)
    return result, run


@pytest.mark.parametrize("code, tables", [(DOCUMENTED, None), (DOCUMENTED, _code_tables(DOCUMENTED)),
                                          (RENUMBERED, _code_tables(RENUMBERED))],
                         ids=["no code tables: documented codes", "the release's code tables",
                              "renumbered codes in the release's code tables"])
def test_both_filed_datings_reach_the_mart_with_basis_and_release(settings, tmp_path, monkeypatch, code, tables):
    result, run = _build(settings, tmp_path, _release(tmp_path / "release", code, tables))
    assert run.success, run.exception or run.result

    db = duckdb.connect(str(settings.build_warehouse))  # the configuration of the in-process dbt connection
    try:
        got = db.execute("""SELECT month, series, defendants_filed, defendants_filed_district_court, basis, release_id
                            FROM marts.fct_ncd_defendants_filed_district_month WHERE district_code = 'AZ'
                            ORDER BY month, series""").fetchall()
        districts = db.execute("SELECT DISTINCT district_code FROM marts.fct_ncd_defendants_filed_district_month").fetchall()
        by_program = db.execute("""SELECT geography, month, program, prosecutions, basis, release_ids
                                   FROM intermediate.int_eousa__prosecutions_by_program
                                   WHERE prosecutions > 0 OR program = 'drugs' ORDER BY ALL""").fetchall()
        programs = db.execute("SELECT DISTINCT program FROM intermediate.int_eousa__prosecutions_by_program "
                              "ORDER BY 1").fetchall()
    finally:
        db.close()
    may, june, rid = date(2018, 5, 1), date(2018, 6, 1), result.release_id
    assert districts == [("AZ",)]
    assert got == [
        (may, "all", 1, 0, "derived", rid),
        (may, "cbp_referred", 1, 0, "derived", rid),
        (may, "immigration", 1, 0, "derived", rid),
        (may, "non_immigration", 0, 0, "derived", rid),
        (june, "all", 3, 2, "derived", rid),
        (june, "cbp_referred", 2, 1, "derived", rid),
        (june, "immigration", 2, 1, "derived", rid),
        (june, "non_immigration", 1, 1, "derived", rid),
    ]
    counted = [(g, m, p, n) for g, m, p, n, _, _ in by_program if n]
    assert counted == [("AZ", may, "immigration", 1), ("AZ", june, "drugs", 1), ("AZ", june, "immigration", 2),
                       ("SW_BORDER", may, "immigration", 1), ("SW_BORDER", june, "drugs", 1),
                       ("SW_BORDER", june, "immigration", 2)]
    assert {(b, tuple(r)) for *_, b, r in by_program} == {("derived", (rid,))}
    assert len([row for row in by_program if row[2] == "drugs"]) == 6 * 2  # zero-filled: 5 districts + SW_BORDER
    # the documented codes name four programs; the release's own table only the two it describes
    assert programs == ([("drugs",), ("immigration",), ("weapons",), ("white_collar",)] if tables is None
                        else [("drugs",), ("immigration",)])


def test_a_release_whose_code_table_no_longer_describes_a_needed_code_blocks_the_build(settings, tmp_path,
                                                                                        monkeypatch):
    tables = _code_tables(DOCUMENTED)
    tables["GS_PROG_CAT"] = [("055", "Immigration Offenses (renamed)"), ("040", "Drug Dealing")]
    _, run = _build(settings, tmp_path, _release(tmp_path / "release", DOCUMENTED, tables))
    assert not run.success
    failed = [r.node.name for r in run.result if r.status in ("fail", "error")]
    assert failed == ["ncd_codes_resolved"]
