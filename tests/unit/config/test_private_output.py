"""`--out` files and the service's umask: documents and recaps name reporters."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from dumas.config.cli.output import write_private

UNIT = Path(__file__).resolve().parents[3] / "config" / "dumas.service"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_out_file_is_created_0600_whatever_the_umask(tmp_path: Path):
    old = os.umask(0)
    try:
        path = write_private(tmp_path / "cetakan.pdf", b"%PDF")
    finally:
        os.umask(old)
    assert path.read_bytes() == b"%PDF"
    assert _mode(path) == 0o600


def test_an_existing_out_file_is_narrowed_to_0600(tmp_path: Path):
    path = tmp_path / "rekap.xlsx"
    path.write_bytes(b"old and longer")
    path.chmod(0o644)
    write_private(path, b"new")
    assert path.read_bytes() == b"new"
    assert _mode(path) == 0o600


def test_the_systemd_unit_sets_a_private_umask():
    lines = [line.strip() for line in UNIT.read_text().splitlines()]
    assert "UMask=0077" in lines
