"""`crowdout refresh` on the bundled sample, as a user runs it: every mart built, the 2018 figures
reproduced in the published file, and a second refresh that changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

MARTS = (
    "dim_district", "dim_month", "fct_prosecutions_district_month",
    "fct_prosecutions_by_charge_district_month", "fct_prosecution_revisions", "fct_cbp_encounters",
    "fct_encounter_revisions",
    "fct_border_enforcement_district_month", "fct_displacement_district_month", "fct_published_figure_checks",
)


def _refresh(env):
    crowdout = Path(sys.executable).with_name("crowdout")
    return subprocess.run([str(crowdout), "refresh"], env=env, capture_output=True, text=True, timeout=900)


def _snapshot(warehouse: Path):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0] for t in MARTS}
        sw = con.execute(
            """SELECT month, non_immigration_prosecutions, non_immigration_share, cbp_referred_prosecutions,
                      bp_apprehensions, pct_change_vs_baseline_non_immigration, pct_change_vs_baseline_cbp_referred
               FROM marts.fct_displacement_district_month
               WHERE geography = 'SW_BORDER' AND month IN (DATE '2018-03-01', DATE '2018-06-01') ORDER BY month"""
        ).fetchall()
        digest = con.execute(
            "SELECT md5(string_agg(CAST(d AS VARCHAR), '|' ORDER BY geography, month)) "
            "FROM marts.fct_displacement_district_month AS d"
        ).fetchone()[0]
        releases = con.execute("SELECT count(*) FROM meta.releases WHERE status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    return counts, sw, digest, releases


def test_a_full_sample_refresh_reproduces_2018_and_a_second_one_changes_nothing(tmp_path):
    env = {**os.environ, "CROWDOUT_WAREHOUSE": str(tmp_path / "crowdout.duckdb"),
           "CROWDOUT_LANDING": str(tmp_path / "landing"), "CROWDOUT_SOURCES": "sample"}
    env.pop("DAGSTER_HOME", None)

    first = _refresh(env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "1,093" in first.stdout and "703" in first.stdout
    counts, sw, digest, releases = _snapshot(tmp_path / "crowdout.duckdb")
    assert all(n > 0 for n in counts.values()), counts
    assert counts["fct_displacement_district_month"] == 8 * 36  # 8 geographies x Oct 2016 - Sep 2019
    (march, mar_non_imm, mar_share, mar_cbp, mar_bp, _, _), (_, jun_non_imm, jun_share, jun_cbp, jun_bp, non_imm_chg, cbp_chg) = sw
    assert (mar_non_imm, jun_non_imm, mar_cbp, jun_cbp) == (1093, 703, 6368, 11086)
    assert mar_share == pytest.approx(0.14, abs=0.01) and jun_share == pytest.approx(0.06, abs=0.01)
    assert non_imm_chg == pytest.approx(-0.357, abs=0.001) and cbp_chg == pytest.approx(0.741, abs=0.001)
    assert mar_bp > jun_bp
    assert releases == 149  # 144 national TRAC pages, TRAC's published figures, 3 CBP files, 1 OHSS workbook

    second = _refresh(env)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert _snapshot(tmp_path / "crowdout.duckdb") == (counts, sw, digest, releases)
