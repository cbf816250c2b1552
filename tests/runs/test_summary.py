"""The figures `crowdout refresh` prints at the end: each on its own basis, beside the published value, and
which agreements with the published figures hold by construction."""

from __future__ import annotations

import re

import duckdb

from orchestration.analysis import reconcile
from orchestration.cli import render
from orchestration.runs import summary


def test_each_figure_on_its_own_basis_and_the_reconciliation_lines(warehouse, capsys):
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("UPDATE marts.fct_displacement_district_month SET is_modelled = true, prosecutions_is_modelled = "
                    "true, total_prosecutions_basis = 'modelled', cbp_referred_prosecutions_basis = 'modelled' "
                    "WHERE geography = 'SW_BORDER'")
    finally:
        con.close()
    s = summary.read_summary(warehouse)
    # SW_BORDER's non-immigration counts are TRAC's published figures though the totals beside them are modelled
    assert s.modelled == {"non_immigration_prosecutions": False, "non_immigration_share": True,
                          "cbp_referred_prosecutions": True, "bp_apprehensions": False}
    assert s.bases == {"non_immigration_prosecutions": "published", "non_immigration_share": "modelled",
                       "cbp_referred_prosecutions": "modelled", "bp_apprehensions": "derived"}
    assert s.published["bp_apprehensions"] == tuple(
        f for f in reconcile.SEED_ARTICLE if f.column == "bp_apprehensions")
    render.print_summary(warehouse)
    out = " ".join(capsys.readouterr().out.split())
    assert "1,093 / 703" in out and "14.0% / 6.0%" in out
    assert "District prosecution figures in this sample are modelled" in out
    assert "apprehensions are DHS OHSS's real release." in out
    # the sample warehouse's checks mart: both figures loaded as is, the districts' own sum 12 more
    assert "Non-immigration prosecutions, 5 SW districts, Mar 2018: by construction (loaded as is)" in out
    assert "the five districts' own sum is" in out and "+12" in out
    assert "Border Patrol apprehensions, SW border, Mar 2018: independent" in out
    # an independent check prints both values and the gap, and says when it only checks the sample's model
    share = out[out.index("Non-immigration share of all prosecutions, Mar 2018"):]
    share = share[:share.index("Non-immigration share of all prosecutions, Jun 2018")]
    assert re.search(r": independent, \d+\.\d% against 14\.0% \([+-]\d+\.\d pp, (within|outside) tolerance\); "
                     r"from modelled figures, so it checks the sample's model, not TRAC", share), share
    assert "marts.fct_published_figure_checks): 7 by construction, 2 not comparable." in out


def test_all_published(warehouse):
    s = summary.read_summary(warehouse)
    assert not any(s.modelled.values())
    assert summary.basis_sentence(s).splitlines()[0] == (
        "Prosecution figures are TRAC's published pages and figures; apprehensions are DHS OHSS's real release.")
