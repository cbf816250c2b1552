"""`crowdout query`: formats, read-only enforcement and errors that say what to do next."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration import cli

SW_2018 = ("SELECT month, non_immigration_prosecutions FROM marts.fct_displacement_district_month "
           "WHERE geography = 'SW_BORDER' AND month BETWEEN '2018-03-01' AND '2018-06-01' ORDER BY month")


def test_table_is_readable(warehouse, capsys):
    assert cli.main(["query", SW_2018]) == 0
    out = capsys.readouterr().out
    assert "4 rows" in out and "2018-03-01" in out and "non_immigration_prosecutions" in out


def test_a_result_without_a_modelled_flag_is_warned_about_on_stderr(warehouse, capsys):
    assert cli.main(["query", SW_2018]) == 0
    err = capsys.readouterr().err
    assert "1 of the warehouse's 3 releases hold modelled figures" in err
    flagged = SW_2018.replace("non_immigration_prosecutions FROM", "non_immigration_prosecutions, is_modelled FROM")
    assert cli.main(["query", flagged]) == 0
    assert "modelled figures" not in capsys.readouterr().err
    # a flag under another name, a basis column, or a result with no numbers: nothing to warn about
    for sql in ("SELECT round(sum(missing_non_immigration)) AS missing, bool_or(is_modelled) AS any_modelled "
                "FROM marts.fct_displacement_district_month WHERE geography = 'SW_BORDER'",
                "SELECT month, non_immigration_prosecutions, non_immigration_prosecutions_basis "
                "FROM marts.fct_displacement_district_month WHERE geography = 'SW_BORDER'",
                "DESCRIBE marts.fct_displacement_district_month"):
        assert cli.main(["query", sql]) == 0
        assert "modelled figures" not in capsys.readouterr().err, sql


def test_csv_and_json_to_stdout(warehouse, capsys):
    assert cli.main(["query", SW_2018, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].replace('"', "") == "month,non_immigration_prosecutions" and len(lines) == 5
    assert cli.main(["query", SW_2018, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["month"] for r in rows] == ["2018-03-01", "2018-04-01", "2018-05-01", "2018-06-01"]


def test_list_columns_survive_csv(warehouse, capsys):
    assert cli.main(["query", "SELECT release_ids FROM marts.fct_displacement_district_month LIMIT 1",
                     "--format", "csv"]) == 0
    assert ";" in capsys.readouterr().out


def test_parquet_needs_an_output_file(warehouse, tmp_path, capsys):
    assert cli.main(["query", SW_2018, "--format", "parquet"]) == 1
    assert "--output" in capsys.readouterr().err
    out = tmp_path / "sw.parquet"
    assert cli.main(["query", SW_2018, "--format", "parquet", "--output", str(out)]) == 0
    assert pq.read_table(out).num_rows == 4


@pytest.mark.parametrize("sql", [
    "DROP TABLE marts.dim_month",
    "INSERT INTO marts.dim_month VALUES (DATE '2030-01-01')",
    "CREATE TABLE marts.x AS SELECT 1",
    "UPDATE marts.fct_displacement_district_month SET immigration_prosecutions = 0",
])
def test_writes_are_refused_and_explained(warehouse, capsys, sql):
    before = warehouse.read_bytes()
    assert cli.main(["query", sql]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "read-only" in err and "crowdout refresh" in err and "--output" in err
    assert warehouse.read_bytes() == before


@pytest.mark.parametrize("sql", ["ATTACH '{tmp}/other.duckdb' AS o",
                                 "COPY marts.dim_month TO '{tmp}/months.csv'"])
def test_sql_cannot_reach_other_files(warehouse, tmp_path, capsys, sql):
    assert cli.main(["query", sql.format(tmp=tmp_path)]) == 1
    assert "read-only" in " ".join(capsys.readouterr().err.split())
    assert not (tmp_path / "other.duckdb").exists() and not (tmp_path / "months.csv").exists()


def test_sql_error_shows_duckdb_message_and_the_marts(warehouse, capsys):
    assert cli.main(["query", "SELECT * FROM marts.fct_displacment"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "Catalog Error" in err
    assert "marts.fct_displacement_district_month" in err and "marts.dim_district" in err
    assert "Traceback" not in err


def test_no_warehouse_says_run_refresh(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "none.duckdb"))
    assert cli.main(["query", "SELECT 1"]) == 1
    assert "run `crowdout refresh` first" in " ".join(capsys.readouterr().err.split())


def test_reader_closes_its_connection(warehouse):
    cli.main(["query", "SELECT 1"])
    con = duckdb.connect(str(warehouse))  # a writer could open it now: nothing is left holding the file
    con.close()


def _owned_paths(warehouse):
    """Each place `--output` must not reach, spelt the ways a user might reach it (issue 11, case 5)."""
    from orchestration.config import RELEASES_TOML, load_settings

    settings = load_settings()
    link = warehouse.parent / "innocent.csv"
    link.symlink_to(warehouse)
    return {
        "warehouse": warehouse,
        "warehouse via ..": warehouse.parent / "landing" / ".." / warehouse.name,
        "warehouse via a symlink": link,
        "its WAL": warehouse.with_name(warehouse.name + ".wal"),
        "build": settings.build_warehouse,
        "landing": settings.landing / "cbp-nationwide-state" / "x.csv",
        "configuration": RELEASES_TOML,
    }


@pytest.mark.parametrize("which", ["warehouse", "warehouse via ..", "warehouse via a symlink", "its WAL",
                                   "build", "landing", "configuration"])
def test_output_may_not_reach_a_file_crowdout_owns(warehouse, capsys, which):
    target = _owned_paths(warehouse)[which]
    before = target.read_bytes() if target.exists() else None
    assert cli.main(["query", "SELECT 1 AS a", "--format", "csv", "--output", str(target)]) == 1
    assert "which crowdout owns" in " ".join(capsys.readouterr().err.split())
    assert (target.read_bytes() if target.exists() else None) == before


def test_output_elsewhere_is_written(warehouse, tmp_path, capsys):
    out = tmp_path / "sw.csv"
    assert cli.main(["query", SW_2018, "--format", "csv", "--output", str(out)]) == 0
    assert out.read_text().count("\n") == 5


def test_a_runaway_query_is_stopped_at_the_timeout(warehouse, capsys):
    assert cli.main(["query", "SELECT count(*) FROM range(100000000000000)", "--timeout", "1"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "query stopped after 1s" in err and "--timeout" in err


def test_the_default_timeout_comes_from_configuration(warehouse, tmp_path, monkeypatch, capsys):
    from orchestration.config import RELEASES_TOML

    toml = tmp_path / "releases.toml"
    toml.write_text(RELEASES_TOML.read_text().replace("timeout_seconds = 300", "timeout_seconds = 0.5"))
    monkeypatch.setenv("CROWDOUT_RELEASES_TOML", str(toml))
    assert cli.main(["query", "SELECT count(*) FROM range(100000000000000)"]) == 1
    assert "query stopped after 0.5s" in " ".join(capsys.readouterr().err.split())
    assert cli.main(["query", "SELECT 1"]) == 0  # a quick query is not affected


def test_narrow_terminal_gets_one_block_per_row(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    assert cli.main(["query", "SELECT * FROM marts.fct_displacement_district_month LIMIT 2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 60 and not any("…" in line for line in lines)
    assert "row 2" in [line.strip() for line in lines]
    assert any(line.startswith("non_immigration_share") for line in lines)


def test_url_is_the_publishers_with_the_local_path_beside_it(warehouse, capsys):
    assert cli.main(["query", "SELECT family, url FROM meta.releases WHERE family <> 'trac-published-figures' "
                            "ORDER BY family", "--format", "json"]) == 0
    ohss, trac = json.loads(capsys.readouterr().out)
    assert trac["url"] == "https://tracreports.org/tracreports/bulletins/immigration/monthlyjun18/fil/"
    assert trac["local_path"] == ("/checkout/orchestration/samples/releases/tracreports.org/tracreports/bulletins/"
                                  "immigration/monthlyjun18/fil/")
    assert ohss["url"] == "https://ohss.dhs.gov/khsm/khsm-encounters-usbp-fy25m11.xlsx"


def test_a_curated_file_s_url_is_the_publisher_s_site_not_a_local_path():
    from orchestration.analysis.publisher_url import publisher_url
    from orchestration.config import RELEASES_TOML, read_releases

    releases = read_releases(RELEASES_TOML)
    url = "file:///checkout/orchestration/published/trac_published_figures.csv"
    assert publisher_url(url, releases) == "https://tracreports.org"
    assert publisher_url("file:///tmp/elsewhere.csv", releases) == "file:///tmp/elsewhere.csv"


def _readme_questions() -> list[str]:
    """The SQL of the README's questions (each `sql` block under "### Six questions", and question 1's
    `crowdout query`)."""
    text = (Path(__file__).parents[2] / "README.md").read_text()
    section = text[text.index("### Six questions"):text.index("## For ops teams")]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    blocks += re.findall(r'crowdout query "(SELECT.*?)"', section, flags=re.S)
    return [" ".join(b.split()).rstrip(";") for b in blocks]


def test_the_readme_questions_print_as_tables_at_80_columns(warehouse, capsys, monkeypatch):
    from orchestration.cli import render

    monkeypatch.setattr(render.console, "width", 80)
    questions = _readme_questions()
    assert len(questions) == 6
    for sql in questions:
        assert cli.main(["query", sql]) == 0, sql
        lines = capsys.readouterr().out.splitlines()
        assert "one block per row" not in " ".join(lines), sql
        assert max(len(line.rstrip()) for line in lines) <= 80, sql


def test_a_wide_table_narrows_before_it_falls_back_to_blocks():
    """Headers over lines after an underscore and text wrapped at spaces, never inside a word."""
    from orchestration.analysis import layout

    tbl = layout.table("t")
    for name in ("month", "non_immigration_prosecutions", "total_prosecutions", "note"):
        tbl.add_column(name, no_wrap=True)
    tbl.add_row("2018-06-01", "703", "12,118", "TRAC printed 703 for the five districts in its August 2018 release")
    narrowed = layout.fit(tbl, 60)
    assert isinstance(narrowed, type(tbl))
    lines = [line.rstrip() for line in _render(narrowed, 60)]
    assert max(map(len, lines)) <= 60
    words = " ".join(lines).split()
    assert "immigration_" in words and "prosecutions" in words  # the header over lines, after underscores
    assert {"TRAC", "printed", "districts", "August", "release"} <= set(words)  # text wrapped at spaces only


def _render(renderable, width: int) -> list[str]:
    from rich.console import Console

    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text().splitlines()


def test_build_queries_the_build_warehouse_not_the_published_one(tmp_path, monkeypatch, capsys):
    """A failed dbt test's rows are in the build warehouse, which a failed build never publishes."""
    monkeypatch.setenv("CROWDOUT_WAREHOUSE", str(tmp_path / "crowdout.duckdb"))
    for name, value in (("crowdout.duckdb", "published"), ("crowdout.build.duckdb", "build")):
        con = duckdb.connect(str(tmp_path / name))
        con.execute(f"CREATE TABLE which AS SELECT '{value}' AS file")
        con.close()
    for args, expected in ((["query"], "published"), (["query", "--build"], "build")):
        assert cli.main([*args, "SELECT file FROM which", "--format", "csv"]) == 0
        assert capsys.readouterr().out.splitlines() == ['"file"', f'"{expected}"']
