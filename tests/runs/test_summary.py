"""The figures `crowdout refresh` prints at the end: each on its own basis, beside the published value, and
which agreements with the published figures hold by construction."""

from __future__ import annotations

import re
from datetime import date

import duckdb

from orchestration.analysis import reconcile
from orchestration.cli import render
from orchestration.runs import summary
from tests.support import sample_warehouse


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


def test_new_this_run_names_the_new_edition_its_months_and_the_figures_it_changed(warehouse, capsys):
    """A refresh that loads a restated Arizona page for May 2018 says so: the file, its month, the two
    figures it moved and by how much; the figure it restated unchanged is counted, not listed."""
    may = date(2018, 5, 1)
    sample_warehouse.new_edition(warehouse, "immigration/monthlymay18/fil/", "2026-02-01 06:00:00+00",
                                 {("immigration", may): 25, ("all", may): -40, ("cbp_referred", may): 0})
    new = summary.new_this_run(warehouse, "2026-02-01T05:59:00+00:00")
    assert [(r.family, r.file, r.first_month, r.rows) for r in new.releases] == [
        ("trac-bulletin", "immigration/monthlymay18/fil/", may, 3)]
    assert {(c["figure"], c["change"]) for c in new.changed} == {
        ("immigration prosecutions, national", 25), ("all prosecutions, national", -40)}
    assert new.unchanged == 1 and new.not_loaded == []

    render.print_new_this_run(new)
    out = capsys.readouterr().out
    assert "New this run" in out and "immigration/monthlymay18/fil/" in out
    immigration = next(line for line in out.splitlines() if "immigration prosecutions, national" in line)
    assert immigration.split()[:1] == ["2018-05"] and "+25 (+" in immigration
    assert "-40" in next(line for line in out.splitlines() if "all prosecutions, national" in line)
    assert "(1 restated unchanged)" in out and "nothing failed or withdrawn" in out


def test_new_this_run_is_only_this_run(warehouse):
    """The sample's releases were loaded before the run began: none of them is news."""
    new = summary.new_this_run(warehouse, "2026-02-01T00:00:00+00:00")
    assert new.releases == [] and new.changed == [] and new.unchanged == 0


def test_a_failed_release_of_this_run_is_listed(warehouse, capsys):
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("""INSERT INTO meta.releases (release_id, family, release_key, url, is_modelled, status,
                                                  fetched_at, error)
                       VALUES ('cbp-sbo:1', 'cbp-sbo', 'sbo-encounters-fy20-fy24.csv', 'x', false, 'failed',
                               TIMESTAMPTZ '2026-02-01 06:00:00+00', 'changed CSV header')""")
    finally:
        con.close()
    new = summary.new_this_run(warehouse, "2026-02-01T00:00:00+00:00")
    render.print_new_this_run(new)
    out = " ".join(capsys.readouterr().out.split())
    assert "failed cbp-sbo sbo-encounters-fy20-fy24.csv: changed CSV header" in out


def test_the_section_is_kept_with_the_run(warehouse, tmp_path, monkeypatch):
    """In the CLI's run record and, with a persistent instance, as a tag the Dagster UI shows."""
    import json

    import dagster as dg

    from orchestration.config import load_settings
    from orchestration.runs.refresh import last_refresh_file

    settings = load_settings()
    sample_warehouse.new_edition(warehouse, "immigration/monthlymay18/fil/", "2026-02-01 06:00:00+00",
                                 {("immigration", date(2018, 5, 1)): 5})
    new = summary.new_this_run(warehouse, "2026-02-01T05:59:00+00:00")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    (tmp_path / "dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    run = dg.GraphDefinition("noop").to_job().execute_in_process(instance=dg.DagsterInstance.get()).dagster_run
    last_refresh_file(settings).write_text(json.dumps({"run_id": run.run_id}))

    summary.keep_with_run(settings, run.run_id, new)
    record = json.loads(last_refresh_file(settings).read_text())
    assert record["new_this_run"]["releases"][0]["file"] == "immigration/monthlymay18/fil/"
    assert dg.DagsterInstance.get().get_run_by_id(run.run_id).tags["crowdout/new_this_run"] == (
        "1 new releases, 1 figures changed, 0 failed or withdrawn")
