"""The figures `crowdout refresh` prints at the end: each on its own basis, beside the published value."""

from __future__ import annotations

import duckdb

from orchestration import cli, summary
from orchestration.analysis import reconcile


def test_real_apprehensions_beside_modelled_prosecutions(warehouse, capsys):
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("UPDATE marts.fct_displacement_district_month SET is_modelled = true, "
                    "prosecutions_is_modelled = true WHERE geography = 'SW_BORDER'")
    finally:
        con.close()
    s = summary.read_summary(warehouse)
    assert s.modelled == {"non_immigration_prosecutions": True, "non_immigration_share": True,
                          "cbp_referred_prosecutions": True, "bp_apprehensions": False}
    assert s.published["bp_apprehensions"] == tuple(
        f for f in reconcile.SEED_ARTICLE if f.column == "bp_apprehensions")
    cli._print_summary(warehouse)
    raw = capsys.readouterr().out
    basis_by_label = {line[:16].strip(): [w for w in line.split() if w in ("modelled", "published")]
                      for line in raw.splitlines() if line[:16].strip() in {label for _, label in summary.FIGURES}}
    assert basis_by_label == {"Non-immigration": ["modelled"], "Non-imm share": ["modelled"],
                              "CBP-referred": ["modelled"], "BP apprehensions": ["published"]}
    out = " ".join(raw.split())
    assert "1,093 / 703" in out and "14.0% / 6.0%" in out
    assert "Prosecution figures in this sample are modelled" in out
    assert "apprehensions are DHS OHSS's real release." in out
    assert "months with modelled figures" not in out


def test_all_published(warehouse):
    s = summary.read_summary(warehouse)
    assert not any(s.modelled.values())
    assert summary.basis_sentence(s) == ("Prosecution figures are TRAC's published pages; apprehensions are "
                                         "DHS OHSS's real release.")
