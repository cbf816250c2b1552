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
