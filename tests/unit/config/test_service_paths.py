"""The example config and the systemd units agree: under ProtectSystem=strict the whole file
system is read-only to Dumas except its ReadWritePaths, so a data path elsewhere (a relative one
lands next to the config, in /etc/dumas) would fail at the first write."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from dumas.config.backup import sqlite_path
from dumas.config.settings import load_settings

CONFIG = Path(__file__).resolve().parents[3] / "config"
EXAMPLE = CONFIG / "dumas.example.toml"
ENV = {"DUMAS_IMAP_PASSWORD": "imap-secret", "DUMAS_SMTP_PASSWORD": "smtp-secret"}


def writable(unit: Path) -> list[Path]:
    """The folders a unit may write: ReadWritePaths=, and what StateDirectory=/CacheDirectory=
    create (under /var/lib and /var/cache); `-` (ignore if missing) prefixes dropped."""
    found: list[Path] = []
    roots = {"StateDirectory": "/var/lib", "CacheDirectory": "/var/cache"}
    for line in unit.read_text().splitlines():
        key, _, value = line.strip().partition("=")
        if key == "ReadWritePaths":
            found += [Path(v.lstrip("-+")) for v in shlex.split(value)]
        elif key in roots:
            found += [Path(roots[key]) / v for v in shlex.split(value)]
    return found


def within(path: Path, folders: list[Path]) -> bool:
    return path.is_absolute() and any(path.is_relative_to(f) for f in folders)


def example_paths() -> dict[str, Path]:
    s = load_settings(EXAMPLE, environ=ENV)
    # The commented-out token_file is what someone turning on OAuth2 uncomments.
    token = re.search(r'^# ?token_file = "([^"]*)"', EXAMPLE.read_text(), re.M)
    assert token, "[oauth2] token_file is shown in the example"
    return {
        "[database] url": sqlite_path(s.database_url),
        "[storage] root": s.storage_root,
        "[oauth2] token_file": Path(token[1]),
    }


def test_the_example_data_paths_are_writable_under_the_daemon_unit():
    rw = writable(CONFIG / "dumas.service")
    assert Path("/var/lib/dumas") in rw
    for key, path in example_paths().items():
        assert within(path, rw), f"{key} = {path} is outside ReadWritePaths {rw}"


def test_the_backup_unit_reaches_the_data_and_its_target():
    unit = CONFIG / "dumas-backup.service"
    rw = writable(unit)
    # SQLite's online backup opens the -shm file for writing even to read.
    data = example_paths()
    for key in ("[database] url", "[storage] root"):
        assert within(data[key], rw), f"{key} = {data[key]} is outside ReadWritePaths {rw}"
    start = next(line for line in unit.read_text().splitlines() if line.startswith("ExecStart="))
    target = Path(shlex.split(start.partition("=")[2])[-1])
    assert within(target, rw), f"the backup folder {target} is outside ReadWritePaths {rw}"


def test_the_unit_comment_names_the_same_data_paths():
    text = (CONFIG / "dumas.service").read_text()
    data = example_paths()
    assert f'url = "sqlite:///{data["[database] url"]}"' in text
    assert f'root = "{data["[storage] root"]}"' in text
