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
    assert "the bulletins' own sum of the five districts, before any scaling, is" in out and "+12" in out
    assert "Border Patrol apprehensions, SW border, Mar 2018: independent" in out
    # an independent check prints both values and the gap, and says when it only checks the sample's model
    share = out[out.index("Non-immigration share of all prosecutions, Mar 2018"):]
    share = share[:share.index("Non-immigration share of all prosecutions, Jun 2018")]
    assert re.search(r": independent, \d+\.\d% against 14\.0% \([+-]\d+\.\d pp, (within|outside) tolerance\); "
                     r"from modelled figures, so it checks the sample's model, not TRAC", share), share
    assert "marts.fct_published_figure_checks): 7 by construction, 2 independent." in out


def test_the_share_check_is_the_checks_mart_s(warehouse, capsys):
    """One implementation of "published against warehouse": the summary prints the checks mart's verdict on
    TRAC's percent (converted to a fraction), not a second computation of its own."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("UPDATE marts.fct_published_figure_checks SET warehouse_value = 15.5, warehouse_basis = "
                    "'derived' WHERE series = 'non_immigration_share' AND period_start = DATE '2018-03-01'")
        con.execute("UPDATE marts.fct_published_figure_checks SET agreement = 'not_comparable', warehouse_value = "
                    "NULL WHERE series = 'non_immigration_share' AND period_start = DATE '2018-06-01'")
    finally:
        con.close()
    render.print_summary(warehouse)
    out = " ".join(capsys.readouterr().out.split())
    assert ("Non-immigration share of all prosecutions, Mar 2018 (one in seven): independent, 15.5% against "
            "14.0% (+1.5 pp, outside tolerance)") in out
    assert "share of all prosecutions, Mar 2018 (one in seven): independent, 15.5% against 14.0% (+1.5 pp, " \
           "outside tolerance); from modelled" not in out
    assert "Jun 2018 (one in seventeen)" not in out.split("article: the seed article")[1]


def test_all_published(warehouse):
    s = summary.read_summary(warehouse)
    assert not any(s.modelled.values())
    assert summary.basis_sentence(s).splitlines()[0] == (
        "Prosecution figures are TRAC's published pages and figures; apprehensions are DHS OHSS's real release.")
