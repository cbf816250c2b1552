"""`crowdout metrics`: readable, modelled rows marked, the missing prosecutions summed for the reader."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration import cli
from orchestration.analysis import counterfactuals, metrics_table


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_arizona_missing_april_to_september(warehouse, capsys):
    assert cli.main(["metrics", "--geography", "AZ", "--from", "2018-04", "--to", "2018-09"]) == 0
    out = _flat(capsys.readouterr().out)
    con = duckdb.connect(str(warehouse), read_only=True)
    expected = con.execute(
        "SELECT sum(missing_non_immigration) FROM marts.fct_displacement_district_month "
        "WHERE geography = 'AZ' AND month BETWEEN '2018-04-01' AND '2018-09-01'").fetchall()[0][0]
    con.close()
    assert f"Missing non-immigration prosecutions, AZ, 2018-04 to 2018-09: {expected:,.0f}" in out
    assert "2018-04" in out and "2018-10" not in out.split("Missing non-immigration prosecutions, AZ")[0]


def test_percentages_and_modelled_rows(warehouse):
    view = metrics_table.load(warehouse, "NM", dt.date(2018, 6, 1), dt.date(2018, 7, 1))
    june, july = view.rows
    assert not june["is_modelled"] and july["is_modelled"]
    assert metrics_table.fmt(june["non_immigration_share"], "pct").endswith("%")
    assert metrics_table.fmt(-0.357, "signed_pct") == "-35.7%"
    from rich.console import Console
    console = Console(width=250, record=True)
    console.print(metrics_table.to_rich(view, 250))
    lines = [ln for ln in console.export_text().splitlines() if "2018-0" in ln]
    assert "‡" not in lines[0] and "2018-07 ‡" in lines[1]
    assert any("1 of 2 months are modelled" in s for s in metrics_table.summary(view))


def test_each_modelled_figure_is_marked_on_its_own_cell(warehouse):
    """SW_BORDER's June non-immigration count is TRAC's published figure: unmarked, though the month's other
    prosecution counts are modelled and marked."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("UPDATE marts.fct_displacement_district_month SET immigration_prosecutions_basis = 'modelled' "
                    "WHERE geography = 'SW_BORDER' AND month = DATE '2018-06-01'")
    finally:
        con.close()
    view = metrics_table.load(warehouse, "SW_BORDER", dt.date(2018, 6, 1), dt.date(2018, 6, 1))
    (june,) = view.rows
    from rich.console import Console
    console = Console(width=250, record=True)
    console.print(metrics_table.to_rich(view, 250))
    (line,) = [ln for ln in console.export_text().splitlines() if "2018-06" in ln]
    assert f"{june['immigration_prosecutions']:,}*" in line
    assert f"{june['non_immigration_prosecutions']:,} " in line and f"{june['non_immigration_prosecutions']:,}*" not in line
    assert any(s.startswith("* a modelled figure") for s in metrics_table.summary(view))


def test_csv_keeps_the_marts_columns(warehouse, capsys):
    assert cli.main(["metrics", "--geography", "SW_BORDER", "--from", "2018-03", "--to", "2018-06",
                     "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and "non_immigration_share" in lines[0]


def test_unknown_geography_lists_the_choices(warehouse, capsys):
    assert cli.main(["metrics", "--geography", "ARIZONA"]) == 1
    err = _flat(capsys.readouterr().err)
    assert "AZ, CAS, NM, NON_BORDER, SW_BORDER, TXS, TXW, US" in err


def test_bad_and_empty_ranges(warehouse, capsys):
    assert cli.main(["metrics", "--from", "April 2018"]) == 1
    assert "YYYY-MM" in capsys.readouterr().err
    assert cli.main(["metrics", "--from", "2018-09", "--to", "2018-04"]) == 1
    assert "after" in capsys.readouterr().err
    assert cli.main(["metrics", "--from", "2030-01", "--to", "2030-12"]) == 1
    assert "min(month)" in _flat(capsys.readouterr().err)


def test_fits_the_terminal_width_it_is_given(warehouse, capsys, monkeypatch):
    """COLUMNS is honoured even when the output is piped (as under pytest), and nothing is cut (…) or
    wrapped: at 80 columns the default view is one row per month, the wide view is turned on its side."""
    for columns, wide in (("80", []), ("80", ["--wide"]), ("60", [])):
        monkeypatch.setenv("COLUMNS", columns)
        assert cli.main(["metrics", "--geography", "nm", "--from", "2018-01", "--to", "2018-12", *wide]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert max(len(line) for line in lines) <= int(columns)
        assert not any("…" in line for line in lines)
        assert not any(line.strip() in ("‡", "†") for line in lines)
        months = [line for line in lines if line.lstrip().startswith("2018-") and line.count("2018-") == 1
                  and ":" not in line]
        assert len(months) == (12 if columns == "80" and not wide else 0)
    assert "imm = immigration prosecutions" in " ".join(lines)


def test_geography_is_case_insensitive(warehouse):
    assert metrics_table.load(warehouse, "sw_border", dt.date(2018, 3, 1), dt.date(2018, 3, 1)).geography == "SW_BORDER"


def _cumulative(warehouse, geography: str, month: str, column: str):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"SELECT {column} FROM marts.fct_displacement_district_month "
                           "WHERE geography = ? AND month = ?", [geography, month]).fetchall()[0][0]
    finally:
        con.close()


def test_metrics_total_is_the_cumulative_column_over_the_same_window(warehouse, capsys):
    """January and February 2018 lie before the policy window: the total over 2018 is the cumulative at
    December, for each counterfactual, and the command prints it over the months it counts."""
    view = metrics_table.load(warehouse, "SW_BORDER", dt.date(2018, 1, 1), dt.date(2018, 12, 1))
    for cf in counterfactuals.COUNTERFACTUALS:
        total = counterfactuals.missing_total(view.rows, cf)
        assert total is not None
        assert total == pytest.approx(_cumulative(warehouse, "SW_BORDER", "2018-12-01", cf.cumulative))
    assert cli.main(["metrics", "--geography", "sw_border", "--from", "2018-01", "--to", "2018-12"]) == 0
    out = _flat(capsys.readouterr().out)
    flat = _cumulative(warehouse, "SW_BORDER", "2018-12-01", "cumulative_missing_non_immigration")
    assert f"Missing non-immigration prosecutions, SW_BORDER, 2018-04 to 2018-12: {flat:,.0f}" in out
    assert "Counted over the policy window 2018-04 to 2019-03 only." in out


def test_a_range_inside_the_window_is_the_difference_of_the_cumulatives(warehouse):
    view = metrics_table.load(warehouse, "AZ", dt.date(2018, 6, 1), dt.date(2018, 9, 1))
    before, end = (_cumulative(warehouse, "AZ", m, "cumulative_missing_non_immigration")
                   for m in ("2018-05-01", "2018-09-01"))
    assert counterfactuals.missing_total(view.rows) == pytest.approx(end - before)


def test_nothing_is_missing_before_the_window(warehouse, capsys):
    """The baseline month and the months before it are not the policy's: no total, and the reader is told why."""
    assert cli.main(["metrics", "--geography", "AZ", "--from", "2017-06", "--to", "2018-03"]) == 0
    out = _flat(capsys.readouterr().out)
    assert "No month of this range is in the missing window (2018-04 to 2019-03" in out
    assert "Missing non-immigration prosecutions, AZ" not in out


def test_the_border_vs_rest_gap_is_in_percentage_points():
    """A difference of two percent changes is percentage points: -35.5 pp, not -35.5%."""
    assert metrics_table.fmt(-0.355, "signed_pp") == "-35.5 pp"
    (gap,) = [c for c in metrics_table.WIDE if c[0] == "border_vs_rest_gap"]
    assert metrics_table.fmt(-0.355, gap[3]) == "-35.5 pp"
