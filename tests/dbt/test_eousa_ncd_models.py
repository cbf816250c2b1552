"""The NCD models on a tiny real-format release loaded by the connector: TRAC's first-filing dating and the
District-Court-only dating give the counts worked out by hand below, per series, with basis and release.

AZ, all criminal unless said: case 1 (1 defendant, immigration, CBP) filed in magistrate court 28 May
2018 and in district court 10 June; case 2 (2 defendants, immigration, CBP) magistrate court only, 3 June;
case 3 (1 defendant, drugs, DEA) district court only, 15 June; case 4 is civil (filed 1 June, never counts).
"""

from __future__ import annotations

import os
from datetime import date

import duckdb
import pytest

from orchestration.connectors import http
from orchestration.warehouse import ingest
from tests.support.eousa_release import CASE, COURT, PART, PROG, write_disk

pytestmark = pytest.mark.slow


def _case(i, cls="R"):
    return {"DISTRICT": "AZ", "ID": f"2018R0000{i}", "CLASS": cls, "RECVD_DATE": "01-MAY-2018", "STATUS": "A"}


def _release(folder):
    folder.mkdir()
    cid = {i: f"2018R0000{i}" for i in range(1, 5)}
    write_disk(folder / "DISK01.ZIP", {
        "gs_case.txt": ("GS_CASE", CASE, [_case(1), _case(2), _case(3), _case(4, "V")]),
        "gs_case_prog_cat.txt": ("GS_CASE_PROG_CAT", PROG, [
            {"DISTRICT": "AZ", "CASEID": cid[i], "PROG_CAT": cat, "ID": str(i)}
            for i, cat in ((1, "055"), (2, "055"), (3, "040"), (4, "055"))
        ]),
    })
    filings = [(1, "MG", "28-MAY-2018"), (1, "DC", "10-JUN-2018"), (2, "MG", "03-JUN-2018"),
               (3, "DC", "15-JUN-2018"), (4, "DC", "01-JUN-2018")]
    write_disk(folder / "DISK02.ZIP", {"gs_court_hist.txt": ("GS_COURT_HIST", COURT, [
        {"DISTRICT": "AZ", "CASEID": cid[c], "ID": str(n), "COURT": court, "FILING_DATE": filed}
        for n, (c, court, filed) in enumerate(filings, start=1)
    ])})
    people = [(1, "IN", "HSCB"), (1, "D", ""), (2, "IN", "HSCB"), (2, "D", ""), (2, "D", ""),
              (3, "IN", "JUDE"), (3, "D", ""), (4, "D", "")]
    write_disk(folder / "DISK03.ZIP", {"gs_participant_AZ.txt": ("GS_PARTICIPANT", PART, [
        {"DISTRICT": "AZ", "CASEID": cid[c], "ID": str(100 + n), "TYPE": "A" if role == "IN" else "I",
         "ROLE": role, "AGENCY": agency}
        for n, (c, role, agency) in enumerate(people)
    ])})
    return folder


def test_both_filed_datings_reach_the_mart_with_basis_and_release(settings, tmp_path, monkeypatch):
    ref = ingest.ref_for_location(settings, "eousa-ncd", str(_release(tmp_path / "release")))
    con = ingest.connect_build(settings)
    try:
        result = ingest.ingest_release(settings, con, http.make_session(settings.releases["http"]), ref)
    finally:
        con.close()
    assert result.status == "loaded", result.error

    from dbt.cli.main import dbtRunner

    project = os.path.join(os.path.dirname(__file__), "..", "..", "dbt_project")
    monkeypatch.setenv("CROWDOUT_DBT_DATABASE", str(settings.build_warehouse))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    run = dbtRunner().invoke([
        "build", "--select", "+fct_ncd_defendants_filed_district_month", "--indirect-selection", "cautious",
        "--project-dir", project, "--profiles-dir", project,
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
    ])
    assert run.success, run.exception or run.result

    db = duckdb.connect(str(settings.build_warehouse))  # the configuration of the in-process dbt connection
    try:
        got = db.execute("""SELECT month, series, defendants_filed, defendants_filed_district_court, basis, release_id
                            FROM marts.fct_ncd_defendants_filed_district_month WHERE district_code = 'AZ'
                            ORDER BY month, series""").fetchall()
        districts = db.execute("SELECT DISTINCT district_code FROM marts.fct_ncd_defendants_filed_district_month").fetchall()
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
