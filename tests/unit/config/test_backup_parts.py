"""The parts of `dumas backup` that need no database: the config copy without secrets, the
progress bar's terminal rule, and the shared file store tree."""

from __future__ import annotations

import io
import tomllib

import pytest

from dumas.config import backup
from dumas.config.cli import progress as progress_module
from dumas.workflow.errors import DumasError

CONFIG = """\
# the office's config
[database]
url = "postgresql://dumas:db-secret@localhost/dumas"

[imap]
host = "mail.example.go.id"
password = "imap-secret"   # from the IT person

[smtp]
password = ''

[replies]
token_days = 30

[oauth]
client_secret = "client-secret"
refresh_token = "refresh-secret"
"""


def test_the_config_copy_keeps_everything_but_the_secrets():
    copy = backup.blank_secrets(CONFIG)
    for secret in ("db-secret", "imap-secret", "client-secret", "refresh-secret"):
        assert secret not in copy
    doc = tomllib.loads(copy)
    assert doc["database"]["url"] == "postgresql://dumas@localhost/dumas"
    assert doc["imap"] == {"host": "mail.example.go.id", "password": ""}
    assert doc["replies"]["token_days"] == 30
    assert copy.startswith("# the office's config\n")


@pytest.mark.parametrize(
    "text",
    [
        '[imap]\npassword = """imap-secret"""\n',  # not on one line as key = "value"
        '[imap]\npassword = "a\\"b"\n',
        'imap = { password = "imap-secret" }\n',
    ],
)
def test_a_secret_that_cannot_be_blanked_stops_the_backup(text):
    with pytest.raises(DumasError, match="cannot blank imap.password"):
        backup.blank_secrets(text)


def test_only_content_addressed_files_are_the_store(tmp_path):
    digest = "ab" + "0" * 62
    (tmp_path / "raw" / "ab").mkdir(parents=True)
    (tmp_path / "raw" / "ab" / digest).write_bytes(b"x")
    (tmp_path / "raw" / "ab" / f".{digest}.12.tmp").write_bytes(b"x")  # a write in progress
    (tmp_path / "cycle.lock").write_bytes(b"")
    (tmp_path / "authserv-checked.json").write_bytes(b"{}")
    assert backup.store_keys(tmp_path) == [f"raw/ab/{digest}"]


class Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [False, True])
def test_progress_draws_on_a_terminal_only(monkeypatch, tty):
    stream = Stream(tty)
    monkeypatch.setattr(progress_module.sys, "stderr", stream)
    assert list(progress_module.progress(iter(range(5)), total=5, desc="files")) == [0, 1, 2, 3, 4]
    assert ("files" in stream.getvalue()) is tty
