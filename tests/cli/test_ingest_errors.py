"""`crowdout ingest`'s errors as a user meets them: each one line on stderr, printed once, with no quotes
around the message, no framework text (HTTP status, errno), and a missing local file called what it is."""

from __future__ import annotations

from orchestration import cli


def _err_lines(capsys) -> tuple[str, list[str]]:
    captured = capsys.readouterr()
    return captured.out, [line for line in captured.err.splitlines() if line.strip()]


def test_an_unknown_family_is_one_line_without_quotes(settings, tmp_path, capsys):
    assert cli.main(["ingest", "cbp-sob", str(tmp_path / "x.csv")]) == 1
    _, err = _err_lines(capsys)
    assert err == ["error: unknown release family cbp-sob; known: trac-bulletin, trac-published-figures, "
                   "cbp-nationwide-aor, cbp-nationwide-state, cbp-sbo, ohss-usbp, eousa-ncd"]


def test_a_missing_local_file_is_no_such_file_not_http(settings, tmp_path, capsys):
    missing = tmp_path / "nonexistent.csv"
    assert cli.main(["ingest", "cbp-sbo", str(missing)]) == 1
    out, err = _err_lines(capsys)
    assert err[0] == f"error: cbp-sbo nonexistent.csv ({missing.as_uri()}): no such file: {missing}"
    assert not any("HTTP" in line or "Errno" in line for line in err)
    assert "no such file" not in out  # printed once, on stderr


def test_a_bad_file_s_error_is_printed_once(settings, tmp_path, capsys):
    bad = tmp_path / "bad-sbo.csv"
    bad.write_text("garbage,a\n1,2\n")
    assert cli.main(["ingest", "cbp-sbo", str(bad)]) == 1
    out, err = _err_lines(capsys)
    assert err[0].startswith(f"error: cbp-sbo bad-sbo.csv ({bad.as_uri()}): changed CSV header: missing")
    assert sum("changed CSV header" in line for line in err) == 1 and err[1].startswith("The raw tables are")
    assert "changed CSV header" not in out


def test_parquet_without_output_prints_only_its_error(warehouse, capsys):
    assert cli.main(["query", "SELECT 1 AS x", "--format", "parquet"]) == 1
    out, err = _err_lines(capsys)
    assert out == "" and err == ["error: --format parquet writes a binary file: add --output FILE.parquet"]
