"""`crowdout metrics --by program`: which prosecutions fell, one row per program, each modelled figure marked
on its own cell, the missing prosecutions summed over the range's months in the policy window."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration import cli
from orchestration.analysis import program_table
from orchestration.analysis.reader import AnalysisError


def _flat(text: str) -> str:
    return " ".join(text.split())


def _mart(warehouse, sql: str):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_programs_that_fell_from_the_baseline_to_june(warehouse, capsys):
    assert cli.main(["metrics", "--by", "program", "--from", "2018-03", "--to", "2018-06"]) == 0
    out = _flat(capsys.readouterr().out)
    fell = [p for p, c in _mart(warehouse, "SELECT program, pct_change_vs_baseline FROM marts.fct_displacement_by_program "
                                           "WHERE geography = 'US' AND month = DATE '2018-06-01' ORDER BY 2")
            if c < 0]
    assert fell and f"Fell from 2018-03 to 2018-06 in US: {', '.join(fell)}" in out
    assert "weapons" not in out.split("Fell from")[1].split("(falls first)")[0]


def test_missing_is_the_sum_over_the_window_months_of_the_range(warehouse):
    view = program_table.load(warehouse, "us", dt.date(2018, 1, 1), dt.date(2018, 6, 1))
    (drugs,) = [p for p in view.programs() if p.program == "drugs"]
    (expected,) = _mart(warehouse, "SELECT sum(missing_prosecutions) FROM marts.fct_displacement_by_program "
                                   "WHERE program = 'drugs' AND month BETWEEN '2018-04-01' AND '2018-06-01'")[0]
    assert drugs.missing == pytest.approx(expected)
    before = program_table.load(warehouse, "US", dt.date(2017, 1, 1), dt.date(2018, 3, 1))
    assert all(p.missing is None for p in before.programs())


def test_each_modelled_figure_is_marked_and_a_published_one_is_not(warehouse):
    from rich.console import Console

    view = program_table.load(warehouse, "US", dt.date(2018, 3, 1), dt.date(2018, 6, 1))
    console = Console(width=120, record=True)
    console.print(program_table.to_rich(view, 120))
    text = console.export_text()
    rows = {p.program: p for p in view.programs()}
    (weapons,) = [ln for ln in text.splitlines() if ln.startswith("weapons")]
    (drugs,) = [ln for ln in text.splitlines() if ln.startswith("drugs")]
    assert "*" not in weapons and f"{rows['weapons'].prosecutions:,}" in weapons
    assert f"{rows['drugs'].prosecutions:,}*" in drugs and f"{rows['drugs'].change:+.1%}*" in drugs
    assert f"{rows['drugs'].expected:,.0f}*" in drugs  # the counterfactual averages modelled months: modelled too


def test_a_geography_without_programs_lists_the_choices(warehouse):
    with pytest.raises(AnalysisError, match="choose one of: US"):
        program_table.load(warehouse, "AZ", dt.date(2018, 3, 1), dt.date(2018, 6, 1))


def test_csv_keeps_the_marts_columns(warehouse, capsys):
    assert cli.main(["metrics", "--by", "program", "--from", "2018-06", "--to", "2018-06", "--format", "csv"]) == 0
    header, *lines = capsys.readouterr().out.strip().splitlines()
    assert header.startswith('"geography","month","program","prosecutions","basis"') and len(lines) == 3


def test_wide_is_refused_with_the_program_view(warehouse, capsys):
    assert cli.main(["metrics", "--by", "program", "--wide"]) != 0
    assert "--wide adds columns of the monthly view" in capsys.readouterr().err
