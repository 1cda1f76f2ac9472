"""The record that `dumas doctor` saw our server stamp every message ("authserv" needs it)."""

import stat
from datetime import UTC, datetime

from dumas.ingest.mail.stampcheck import (
    forget_stamping,
    record_stamping,
    stamping_checked,
    unchecked_note,
)

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_the_record_is_private_and_names_the_authserv_id(tmp_path):
    path = tmp_path / "authserv-checked.json"
    assert stamping_checked(path, "mx.kpu.example") is None
    record_stamping(path, "mx.kpu.example", NOW, 20)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stamping_checked(path, "mx.kpu.example") == NOW
    assert stamping_checked(path, "mx.other.example") is None  # another server: check again
    assert unchecked_note("authserv", "mx.kpu.example", path) == ""
    forget_stamping(path)
    assert stamping_checked(path, "mx.kpu.example") is None
    assert "dumas doctor" in unchecked_note("authserv", "mx.kpu.example", path)


def test_an_unreadable_record_is_no_record(tmp_path):
    path = tmp_path / "authserv-checked.json"
    path.write_text("{not json")
    assert stamping_checked(path, "mx.kpu.example") is None
    assert unchecked_note("dkim", "", path) == ""  # only "authserv" needs the record
