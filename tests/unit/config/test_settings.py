"""The settings loader: a wrong file stops startup with a message naming the key."""

import copy
from pathlib import Path

import pytest

from dumas.config.settings import load_settings, settings_from_dict
from dumas.workflow.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "dumas.example.toml"
ENV = {"DUMAS_IMAP_PASSWORD": "imap-secret", "DUMAS_SMTP_PASSWORD": "smtp-secret"}

MINIMAL = {
    "office": {"name": "KPU Kabupaten Kepulauan Mentawai"},
    "imap": {
        "host": "imap.example.org",
        "port": 993,
        "username": "pengaduan@example.org",
        "password": "x",
    },
    "smtp": {"host": "smtp.example.org", "port": 465, "from": "pengaduan@example.org"},
    "roles": {
        "desk": ["desk@example.org"],
        "sekretaris": ["sek@example.org"],
        "hukum": ["hukum@example.org"],
        "ketua": ["ketua@example.org"],
    },
}


def with_change(section, key, value):
    data = copy.deepcopy(MINIMAL)
    data.setdefault(section, {})[key] = value
    return data


def test_example_file_is_valid_and_documented():
    s = load_settings(EXAMPLE, environ=ENV)
    assert s.imap.password == "imap-secret"
    assert s.schedule.poll_every_minutes == 15
    assert s.office.timezone == "Asia/Jakarta"
    assert len(s.kecamatan) == 10


def test_example_file_shows_every_key():
    """Every key the loader knows appears in the example (set or commented out) in its section."""
    import re

    from dumas.config.settings import SCHEMA

    text = EXAMPLE.read_text()
    sections = dict(re.findall(r"^\[([a-z0-9.]+)\]\n(.*?)(?=^\[|\Z)", text, re.S | re.M))
    for section in SCHEMA:
        if section.open_keys:
            continue
        body = sections[section.name] + "".join(
            v for k, v in sections.items() if k.startswith(section.name + ".")
        )
        for key in section.keys:
            if key.type is dict:
                assert f"[{section.name}.{key.name}]" in text
            else:
                assert re.search(rf"^#? ?{key.name} = ", body, re.M), f"[{section.name}] {key.name}"


def test_minimal_config_gets_defaults(tmp_path):
    s = settings_from_dict(MINIMAL, environ={}, base=tmp_path)
    assert s.database_url == f"sqlite:///{tmp_path}/var/dumas.sqlite3"
    assert s.storage_root == tmp_path / "var" / "files"
    assert s.imap.security == "ssl" and s.imap.folder == "INBOX"
    assert s.replies.address == "pengaduan@example.org"
    assert s.limits.max_message_bytes == 25 * 1024 * 1024
    assert s.replies.dkim_dns and s.replies.dkim_retry_hours == 24
    assert s.replies.stamp_record == tmp_path / "var" / "files" / "authserv-checked.json"


def test_environment_password_wins():
    s = settings_from_dict(MINIMAL, environ={"DUMAS_IMAP_PASSWORD": "from-env"})
    assert s.imap.password == "from-env"


@pytest.mark.parametrize(
    "section,key,value,expected",
    [
        ("imap", "port", "993", "[imap] port must be an integer"),
        ("imap", "port", 70000, "[imap] port = 70000 is not valid"),
        ("imap", "security", "tls", "[imap] security must be one of"),
        ("imap", "folderr", "INBOX", "[imap] folderr is not a known key"),
        ("imap", "idle_seconds", 30 * 60, "[imap] idle_seconds = 1800 is not valid"),
        ("imap", "idle_seconds", 0, "RFC 2177"),
        ("imap", "idle", "yes", "[imap] idle must be true or false"),
        ("schedule", "poll_every_minutes", 0, "[schedule] poll_every_minutes = 0"),
        ("schedule", "poll_every_minutes", 2000, "at least once a day"),
        ("office", "timezone", "Asia/Jakart", "[office] timezone"),
        ("roles", "desk", [], "[roles] desk needs at least one email address"),
        ("roles", "hukum", ["not-an-address"], "[roles] hukum: 'not-an-address'"),
        ("limits", "max_message_mb", True, "[limits] max_message_mb must be an integer"),
        ("numbering", "pattern", "{nomor}/PGD", "[numbering] pattern"),
        ("workhours", "end", "07:00", "[workhours] end must be later than start"),
        ("workhours", "extra_days_off", ["24-12-2026"], "[workhours] extra_days_off"),
        ("security", "require_dmarc", True, "[security] trusted_authserv_id is needed"),
        ("replies", "dkim_retry_hours", 0, "[replies] dkim_retry_hours = 0"),
        ("replies", "dkim_dns", "no", "[replies] dkim_dns must be"),
    ],
)
def test_bad_value_names_the_key(section, key, value, expected):
    with pytest.raises(ConfigError) as err:
        settings_from_dict(with_change(section, key, value), environ={})
    assert expected in str(err.value)


def test_missing_required_key_is_named():
    data = copy.deepcopy(MINIMAL)
    del data["imap"]["host"]
    with pytest.raises(ConfigError, match=r"\[imap\] host is missing"):
        settings_from_dict(data, environ={})


def test_missing_password_names_env_variable():
    data = copy.deepcopy(MINIMAL)
    del data["imap"]["password"]
    with pytest.raises(ConfigError, match=r"\[imap\] password is missing.*DUMAS_IMAP_PASSWORD"):
        settings_from_dict(data, environ={})


def test_unknown_section_is_named():
    with pytest.raises(ConfigError, match=r"\[imapp\] is not a known section"):
        settings_from_dict(MINIMAL | {"imapp": {}}, environ={})


def test_plain_login_over_network_refused():
    data = with_change("imap", "security", "plain")
    with pytest.raises(ConfigError, match=r"\[imap\] security = \"plain\""):
        settings_from_dict(data, environ={})


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[imap\nhost = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad, environ={})


def test_a_wrong_sop_key_stops_startup_too():
    with pytest.raises(ConfigError, match=r"\[sop\] telah is not a step"):
        settings_from_dict(with_change("sop", "telah", {"duration": "7 hari kerja"}), environ={})
    with pytest.raises(ConfigError, match=r"\[sop"):
        settings_from_dict(with_change("sop", "telaah", {"duration": "7 hari"}), environ={})
