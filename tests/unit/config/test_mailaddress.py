"""Email addresses in the configuration: "Name <address>" accepted, what would fail refused."""

import pytest

from dumas.config.mailaddress import parse_address, parse_mailbox
from dumas.config.settings import settings_from_dict
from dumas.workflow.errors import ConfigError

MENTAWAI = "Layanan Pengaduan KPU Kab. Kepulauan Mentawai <pengaduan@kpu.test>"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MENTAWAI, ("Layanan Pengaduan KPU Kab. Kepulauan Mentawai", "pengaduan@kpu.test")),
        ("pengaduan@kpu.test", ("", "pengaduan@kpu.test")),
        ("<pengaduan@kpu.test>", ("", "pengaduan@kpu.test")),
        ('"KPU, Mentawai" <pengaduan@kpu.test>', ("KPU, Mentawai", "pengaduan@kpu.test")),
        ("Pengaduan Büro <pengaduan@kpu.test>", ("Pengaduan Büro", "pengaduan@kpu.test")),
    ],
)
def test_a_from_is_split_into_name_and_address(value, expected):
    assert parse_mailbox(value, "[smtp] from") == expected


@pytest.mark.parametrize(
    "value",
    [
        "pengaduan",  # no @
        "pengaduan@",
        "a@kpu.test, b@kpu.test",  # two addresses
        "a@b@kpu.test",
        "pengadüan@kpu.test",  # non-ASCII local part
        "pengaduan@kpü.test",
        "KPU <pengaduan@kpu.test>\r\nBcc: x@evil.test",  # a line break
        "KPU <pengaduan@kpu.test",  # unclosed
        "KPU <pengaduan@kpu.test> extra",
        "pengaduan@kpu_test",
        "pengaduan@localhost",  # the sender wants a dotted domain
        '"pengaduan kpu"@kpu.test',  # a quoted local part
        "",
    ],
)
def test_what_would_make_mail_fail_is_refused_naming_the_key(value):
    with pytest.raises(ConfigError, match=r"\[smtp\] from"):
        parse_mailbox(value, "[smtp] from")


def test_a_bare_address_takes_no_name():
    assert parse_address("desk@kpu.test", "[roles] desk") == "desk@kpu.test"
    with pytest.raises(ConfigError, match=r"\[replies\] address.*without a name"):
        parse_address("Pengaduan <pengaduan@kpu.test>", "[replies] address")


def _config(**smtp):
    return {
        "office": {"name": "KPU Kabupaten Kepulauan Mentawai"},
        "imap": {"host": "imap.kpu.test", "port": 993, "username": "pengaduan@kpu.test"},
        "smtp": {"host": "smtp.kpu.test", "port": 465, **smtp},
        "roles": {r: [f"{r}@kpu.test"] for r in ("desk", "sekretaris", "hukum", "ketua")},
    }


ENV = {"DUMAS_IMAP_PASSWORD": "x"}


def test_settings_split_a_display_name_from():
    s = settings_from_dict(_config(**{"from": MENTAWAI}), environ=ENV)
    assert s.smtp.from_address == "pengaduan@kpu.test"
    assert s.smtp.from_name == "Layanan Pengaduan KPU Kab. Kepulauan Mentawai"


def test_settings_refuse_a_from_that_would_fail_naming_the_key():
    with pytest.raises(ConfigError, match=r"\[smtp\] from"):
        settings_from_dict(_config(**{"from": "KPU <a@kpu.test>, b@kpu.test"}), environ=ENV)


def test_the_name_is_given_once():
    cfg = _config(**{"from": MENTAWAI, "from_name": "KPU Mentawai"})
    with pytest.raises(ConfigError, match="give the name once"):
        settings_from_dict(cfg, environ=ENV)
    same = _config(
        **{"from": MENTAWAI, "from_name": "Layanan Pengaduan KPU Kab. Kepulauan Mentawai"}
    )
    assert settings_from_dict(same, environ=ENV).smtp.from_address == "pengaduan@kpu.test"


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [("replies", "address", "pengaduan@@kpu.test"), ("roles", "desk", ["desk@kpu@test"])],
)
def test_other_addresses_are_checked_the_same_way(section, key, value):
    cfg = _config(**{"from": "pengaduan@kpu.test"})
    cfg.setdefault(section, {})[key] = value
    with pytest.raises(ConfigError, match=rf"\[{section}\] {key}"):
        settings_from_dict(cfg, environ=ENV)
