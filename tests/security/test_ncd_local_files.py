"""An NCD release read from a local folder or zip never reaches past what it was given.

The hostile inputs are the ones reported: a disk folder holding symbolic links to /etc/shadow and to
another user's 0600 file (they were followed and landed as 0444), and a README.TXT of 400 MiB deflated
into a zip of about 1.5 MB (it was read whole into memory).
"""

from __future__ import annotations

import os
import zipfile

import pytest

from orchestration.connectors.eousa.disks import MAX_README_BYTES
from tests.connectors.test_eousa_ncd import load, release_dir

SECRET = b"root:*:19000:0:99999:7:::\n"


def _landed_bytes(settings) -> bytes:
    return b"".join(p.read_bytes() for p in settings.landing.rglob("*") if p.is_file())


@pytest.fixture
def private_file(tmp_path):
    path = tmp_path / "elsewhere" / "private.txt"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    path.chmod(0o600)
    return path


def _unpacked(tmp_path):
    zipped = release_dir(tmp_path)
    unpacked = tmp_path / "unpacked"
    for disk in sorted(zipped.iterdir()):
        with zipfile.ZipFile(disk) as zf:
            zf.extractall(unpacked / disk.stem)
    return unpacked


@pytest.mark.parametrize("target", ["/etc/shadow", "private"])
def test_a_link_in_a_disk_folder_to_a_file_outside_it_is_refused_and_nothing_of_it_lands(settings, tmp_path,
                                                                                       private_file, target):
    folder = _unpacked(tmp_path)
    link = folder / "DISK01" / "gs_notes.txt"
    os.symlink(private_file if target == "private" else target, link)
    result = load(settings, folder)
    assert result.status == "failed"
    assert "eousa-ncd" in result.error and f"{link} is a symbolic link to" in result.error
    assert "links out of the release folder are never followed" in result.error
    assert SECRET not in _landed_bytes(settings)


def test_a_disk_zip_that_links_out_of_the_folder_is_refused(settings, tmp_path, private_file):
    folder = release_dir(tmp_path)
    os.symlink(private_file, folder / "DISK09.ZIP")
    result = load(settings, folder)
    assert result.status == "failed" and "DISK09.ZIP is a symbolic link to" in result.error
    assert SECRET not in _landed_bytes(settings)


def test_a_link_inside_the_folder_is_read_as_the_file_it_names(settings, tmp_path):
    folder = release_dir(tmp_path)
    (folder / "DISK03.ZIP").rename(tmp_path / "release" / "DISK03.bin")
    os.symlink(folder / "DISK03.bin", folder / "DISK03.ZIP")
    assert load(settings, folder).status == "loaded"


def test_a_400_mib_readme_in_a_small_zip_is_refused_unread(settings, tmp_path):
    folder = release_dir(tmp_path)
    disk = folder / "DISK02.ZIP"
    with zipfile.ZipFile(disk) as zf:
        table = zf.read("gs_court_hist.txt")
    with zipfile.ZipFile(disk, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("README.TXT", "w", force_zip64=True) as readme:
            readme.write(b"README.TXT FILES DISK02.ZIP\r\n")
            block = b" " * (1 << 20)
            for _ in range(400):
                readme.write(block)
        zf.writestr("gs_court_hist.txt", table)
    assert disk.stat().st_size < 2_000_000
    result = load(settings, folder)
    assert result.status == "failed"
    assert (f"DISK02.ZIP: README.TXT declares {400 * (1 << 20) + 29:,} bytes uncompressed, over the "
            f"{MAX_README_BYTES:,} a file of its kind may have; refused unread") in result.error
