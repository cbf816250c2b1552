"""Hostile release files and names cost a clear error and nothing else.

A 10^6-column CSV (its error once quoted the whole header: 10.9 MB in meta.releases), URL names that
decode to a path (`%2F..` left `.download-*.part` files behind), a landed file replaced by a symlink to
a local secret, and a landed file edited after loading (found by `crowdout landing verify`).
"""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from orchestration import cli
from orchestration.safe_text import MAX_MESSAGE
from tests.support.publisher import reply

NAME = "sbo-encounters-fy20-fy25.csv"


def said(capsys) -> str:
    out = capsys.readouterr()
    return out.out + out.err


def errors(settings) -> list[str]:
    with duckdb.connect(str(settings.build_warehouse), read_only=True) as con:
        return [e for (e,) in con.execute("SELECT error FROM meta.releases UNION ALL "
                                          "SELECT error FROM meta.fetch_attempts").fetchall() if e]


def test_a_million_column_csv_gives_a_short_error(settings, tmp_path, capsys):
    path = tmp_path / NAME
    columns = 1_000_000
    path.write_text(",".join(f"c{i}" for i in range(columns)) + "\r\n" + ",".join("1" * columns) + "\r\n")
    assert cli.main(["ingest", "cbp-sbo", str(path)]) == 1
    stored = errors(settings)
    assert stored and max(len(e) for e in stored) < MAX_MESSAGE + 100
    assert "more characters cut" in stored[0]
    assert len(said(capsys)) < 3 * (MAX_MESSAGE + 100)


@pytest.mark.parametrize("name", ["x.csv%2F..", "%2F..", "..%2F..%2Fetc%2Fpasswd", "x%00.csv", "%2E%2E"])
def test_url_names_that_decode_to_a_path_leave_no_temp_files(settings, server, capsys, name):
    server.routes[f"/{name}"] = [reply(200, b"Fiscal Year,Encounter Count\r\n2020,5\r\n")]
    cli.main(["ingest", "cbp-sbo", f"{server.url}/{name}"])
    left = [p for p in settings.landing.rglob("*") if p.name.startswith(".download-")]
    assert not left
    landed = [p for p in settings.landing.rglob("*") if p.is_file() and "_incomplete" not in p.parts]
    assert all(p.is_relative_to(settings.landing / "cbp-sbo") for p in landed)
    assert "Traceback" not in said(capsys)


def test_a_landed_file_replaced_by_a_symlink_is_never_followed(settings, tmp_path, capsys):
    body = b"Fiscal Year,Encounter Count\r\n2020,5\r\n"
    sha = hashlib.sha256(body).hexdigest()
    secret = tmp_path / "secret.txt"
    secret.write_text("root:*:19000:0:99999:7:::\n")
    folder = settings.landing / "cbp-sbo" / sha[:2] / sha
    folder.mkdir(parents=True)
    (folder / NAME).symlink_to(secret)
    source = tmp_path / "in" / NAME
    source.parent.mkdir()
    source.write_bytes(body)
    assert cli.main(["ingest", "cbp-sbo", str(source)]) == 1
    text = " ".join(said(capsys).split())
    assert "is a symbolic link" in text and "root:*" not in text
    assert not [p for p in settings.landing.rglob(".download-*")]


def test_landing_verify_finds_a_landed_file_edited_after_loading(settings, capsys):
    from orchestration.config import SAMPLE_RELEASES_DIR

    csv = next(SAMPLE_RELEASES_DIR.rglob("sbo-encounters-*.csv"))
    assert cli.main(["ingest", "cbp-sbo", str(csv)]) == 0
    assert cli.main(["landing", "verify"]) == 0
    [landed] = [p for p in settings.landing.rglob("*.csv")]
    landed.chmod(0o644)
    with landed.open("a") as fh:
        fh.write("FY20,OCT,Office of Field Operations,Adult,Mexico,Title 8,Encounter,999999\r\n")
    capsys.readouterr()
    assert cli.main(["landing", "verify"]) == 1
    text = " ".join(said(capsys).split())
    assert f"changed {landed}" in text and "no longer match the sha256" in text
