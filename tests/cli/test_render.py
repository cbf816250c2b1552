"""The CLI wraps its own long lines at spaces, within the terminal's width, and never splits a path."""

from __future__ import annotations

from orchestration.cli import render

PATH = "/var/lib/crowdout/data/a-rather-long-folder-name/crowdout.build.duckdb"


def test_a_long_line_is_wrapped_at_spaces_and_a_path_stays_whole():
    lines = render.wrapped(f"[bold]Build file[/] (the writer's copy, published by the next refresh): {PATH} "
                           "and some words after it", 40).plain.splitlines()
    assert PATH in [line.strip() for line in lines]  # on a line of its own, whole, though wider than 40
    assert all(len(line) <= 40 for line in lines if PATH not in line)
    assert all(line.startswith("    ") for line in lines[1:])
    assert " ".join(" ".join(lines).split()) == ("Build file (the writer's copy, published by the next refresh): "
                                                  f"{PATH} and some words after it")


def test_a_short_line_is_left_alone():
    assert render.wrapped("  no failing checks", 80).plain == "  no failing checks"


def test_a_refused_publish_in_new_this_run_keeps_each_loss_on_its_own_line_at_80_columns(monkeypatch):
    """Issue 20, review finding 7: each `- marts...` item of a refused publish broke into a lone `-` line
    followed by its text, as the line before it was counted into the item's width."""
    import io

    from rich.console import Console

    from orchestration.runs.news import NewThisRun

    refused = ("publish refused: the build would lose what analysts read now in "
               "/home/ops/crowdout/data/crowdout.duckdb:\n"
               "  - marts.fct_displacement_district_month: 2018-03..2018-06\n"
               "  - marts.fct_encounters_sector_month: 1,240 of its 52,031 rows\n"
               "The published warehouse is unchanged. If the loss is intended (a withdrawn or corrected "
               "release), run `crowdout refresh --allow-shrink`.")
    out = Console(width=80, record=True, file=io.StringIO())
    monkeypatch.setattr(render, "console", out)
    render.print_new_this_run(NewThisRun("2026-12-07T01:00:00+00:00", [], [], 0, [
        {"family": "published_warehouse", "file": "", "status": "refused", "error": refused}]))
    lines = out.export_text().splitlines()
    assert not [line for line in lines if line.strip() == "-"]
    assert "      - marts.fct_displacement_district_month: 2018-03..2018-06" in lines
    assert "      - marts.fct_encounters_sector_month: 1,240 of its 52,031 rows" in lines
    assert all(len(line) <= 80 for line in lines)
