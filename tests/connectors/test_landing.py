"""The landing folder keeps every distinct body once, unchanged, at a path derived from its content."""

from __future__ import annotations

import hashlib

import pytest

from orchestration.connectors.landing import land, plain_name, sha256_file

BODY = b"Fiscal Year,Encounter Count\r\n2020,5\r\n"
SHA = hashlib.sha256(BODY).hexdigest()


def temp_file(folder, body=BODY, name=".download-1.part"):
    path = folder / name
    path.write_bytes(body)
    return path


def test_sha256_file_matches_hashlib(tmp_path):
    assert sha256_file(temp_file(tmp_path)) == SHA


@pytest.mark.parametrize(("key", "name"), [
    ("immigration/2018-06", "immigration_2018-06"), ("2019-09-fy", "2019-09-fy"), ("..", "_"),
    (".hidden", "hidden"), ("a/../../b", "a_.._.._b"), ("", "_"),
])
def test_a_release_key_becomes_one_plain_name(key, name):
    assert plain_name(key) == name


def test_land_moves_the_file_to_its_content_address_read_only(tmp_path):
    tmp = temp_file(tmp_path)
    landed = land(tmp, tmp_path / "landing", "cbp-nationwide-state", "state.csv")
    assert landed.path == tmp_path / "landing" / "cbp-nationwide-state" / SHA[:2] / SHA / "state.csv"
    assert (landed.sha256, landed.bytes) == (SHA, len(BODY))
    assert landed.path.read_bytes() == BODY
    assert not tmp.exists()
    assert landed.path.stat().st_mode & 0o222 == 0


def test_landing_the_same_bytes_again_keeps_the_first_file(tmp_path):
    first = land(temp_file(tmp_path), tmp_path / "landing", "f", "state.csv")
    inode = first.path.stat().st_ino
    again = temp_file(tmp_path, name=".download-2.part")
    second = land(again, tmp_path / "landing", "f", "state.csv")
    assert second == first
    assert first.path.stat().st_ino == inode
    assert not again.exists()


def test_different_bytes_land_beside_not_over(tmp_path):
    first = land(temp_file(tmp_path), tmp_path / "landing", "f", "state.csv")
    second = land(temp_file(tmp_path, BODY + b"2021,7\r\n"), tmp_path / "landing", "f", "state.csv")
    assert first.path != second.path
    assert first.path.read_bytes() == BODY


@pytest.mark.parametrize("name", ["", "..", "a/b.csv"])
def test_a_file_name_cannot_escape_its_folder(tmp_path, name):
    with pytest.raises(ValueError, match="not a plain file name"):
        land(temp_file(tmp_path), tmp_path / "landing", "f", name)
