"""Text from data is printed as text: never as rich markup, never as terminal control.

Hostile inputs: a query value `[/x]` (a MarkupError traceback before) and `[bold red]` (rendered as style
before), an escape sequence in a value, and the same in a release's file name and URL, printed by ingest.
"""

from __future__ import annotations

import pytest

from orchestration import cli

ESC = "\x1b"


def printed(capsys) -> str:
    out = capsys.readouterr()
    return out.out + out.err


@pytest.mark.parametrize("value", ["[/x]", "[bold red]loud[/]", "[link=file:///etc/passwd]click[/link]"])
def test_markup_in_a_query_value_is_printed_as_text(warehouse, capsys, monkeypatch, value):
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["query", f"SELECT '{value}' AS s"]) == 0
    assert value in printed(capsys)


def test_markup_in_a_column_name_is_printed_as_text(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["query", "SELECT 1 AS \"[/x]\""]) == 0
    assert "[/x]" in printed(capsys)


def test_terminal_control_in_a_query_value_is_shown_not_obeyed(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["query", "SELECT chr(27) || '[2J' || chr(13) || 'gone' || chr(8238) AS s"]) == 0
    text = printed(capsys)
    assert ESC not in text and "\r" not in text and "\u202e" not in text
    assert "\\x1b[2J\\x0dgone\\u202e" in text


def test_an_ingest_error_naming_hostile_text_is_printed_as_text(settings, tmp_path, capsys):
    path = tmp_path / f"[bold red]sbo[blink]{ESC}[31m.csv"  # a file name cannot hold a closing tag's /
    path.write_text("not,the,header\r\n1,2,3\r\n")
    assert cli.main(["ingest", "cbp-sbo", str(path)]) == 1
    text = printed(capsys)
    assert "[bold red]sbo[blink]\\x1b[31m.csv" in text and ESC not in text
    assert "Traceback" not in text and "MarkupError" not in text


def test_escape_characters_in_a_url_do_not_reach_the_terminal(settings, server, capsys):
    assert cli.main(["ingest", "cbp-sbo", server.url + "/sbo%1b%5b2J%1b%5d0;pwned%07.csv"]) == 1
    text = printed(capsys)
    assert ESC not in text and "\x07" not in text
    assert "\\x1b[2J" in text
