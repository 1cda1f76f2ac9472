"""OAuth2 sign-in without servers: `[oauth2]` validation and the token's refresh rules."""

import copy
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest

from dumas.config.oauth2 import OAuth2Settings, OAuth2Tokens
from dumas.config.settings import settings_from_dict
from dumas.workflow.clock import FrozenClock
from dumas.workflow.errors import ConfigError, TokenError

from .test_settings import MINIMAL

GENERIC = {
    "provider": "generic",
    "client_id": "dumas",
    "scopes": ["offline_access", "mail"],
    "token_url": "https://id.example/token",
    "device_code_url": "https://id.example/device",
}


def oauth_config(imap=None, smtp=None, oauth2=None):
    data = copy.deepcopy(MINIMAL)
    del data["imap"]["password"]
    data["imap"]["auth"] = "oauth2"
    data["imap"].update(imap or {})
    data["smtp"].update(smtp or {})
    data["oauth2"] = {**GENERIC, **(oauth2 or {})}
    return data


def test_oauth2_settings_are_resolved(tmp_path):
    s = settings_from_dict(oauth_config(), environ={}, base=tmp_path)
    assert s.imap.auth == "oauth2" and s.imap.tokens is not None
    assert s.imap.tokens.account == "pengaduan@example.org"
    assert s.smtp.tokens is None  # [smtp] still signs in with a password (or not at all)
    assert s.oauth2 is not None and s.oauth2.token_file == tmp_path / "var" / "oauth2-token.json"


def test_microsoft_gets_its_endpoints_and_scopes(tmp_path):
    s = settings_from_dict(
        oauth_config(
            oauth2={
                "provider": "microsoft",
                "tenant": "kpu.example",
                "scopes": [],
                "token_url": "",
                "device_code_url": "",
            }
        ),
        environ={},
        base=tmp_path,
    )
    assert s.oauth2.token_url == "https://login.microsoftonline.com/kpu.example/oauth2/v2.0/token"
    assert "offline_access" in s.oauth2.scopes


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"imap": {"password": "x"}}, "[imap] password"),
        ({"oauth2": {"client_id": ""}}, "[oauth2] client_id"),
        ({"oauth2": {"provider": ""}}, "[oauth2] provider"),
        ({"oauth2": {"provider": "google"}}, "[oauth2] client_id is not used"),
        ({"oauth2": {"service_account_file": "k.json"}}, "[oauth2] service_account_file"),
        ({"oauth2": {"token_url": ""}}, "[oauth2] token_url"),
        ({"oauth2": {"device_code_url": "http://id.example/device"}}, "[oauth2] device_code_url"),
        ({"oauth2": {"tenant": "x"}}, "[oauth2] tenant"),
        ({"oauth2": {"scopes": []}}, "[oauth2] scopes"),
        ({"oauth2": {"provider": "microsoft"}}, "[oauth2] token_url"),
        ({"smtp": {"auth": "oauth2"}}, "[smtp] username"),
        ({"smtp": {"auth": "oauth2", "username": "other@example.org"}}, "[smtp] username"),
    ],
)
def test_inconsistent_combinations_are_refused_naming_the_key(change, names):
    with pytest.raises(ConfigError, match=names.replace("[", r"\[").replace("]", r"\]")):
        settings_from_dict(oauth_config(**change), environ={})


def test_oauth2_section_nobody_uses_is_refused():
    data = copy.deepcopy(MINIMAL)
    data["oauth2"] = dict(GENERIC)
    with pytest.raises(ConfigError, match=r"\[oauth2\] is set"):
        settings_from_dict(data, environ={})


class FakeProvider:
    def __init__(self):
        self.calls = []
        self.revoked = False

    def __call__(self, url, form):
        self.calls.append(form.get("grant_type", "device"))
        if self.revoked:
            return {"error": "invalid_grant", "error_description": "AADSTS70000: revoked\nTrace"}
        n = len(self.calls)
        return {"access_token": f"at{n}", "refresh_token": f"rt{n}", "expires_in": 3600}


def tokens_at(tmp_path, clock, provider):
    settings = OAuth2Settings(
        "generic", "dumas", "", ("mail",), "https://t", "https://d", tmp_path / "tok.json"
    )
    (tmp_path / "tok.json").write_text(json.dumps({"refresh_token": "rt0"}))
    return OAuth2Tokens(settings, "a@example.org", clock=clock, post=provider)


def test_access_token_is_refreshed_five_minutes_before_expiry(tmp_path):
    clock = FrozenClock(datetime(2026, 12, 2, 9, tzinfo=UTC))
    provider = FakeProvider()
    tokens = tokens_at(tmp_path, clock, provider)
    assert tokens.access_token() == "at1"
    clock.set(clock.now() + timedelta(minutes=54))
    assert tokens.access_token() == "at1"  # 6 minutes left: kept
    clock.set(clock.now() + timedelta(minutes=2))
    assert tokens.access_token() == "at2"  # 4 minutes left: refreshed
    saved = json.loads((tmp_path / "tok.json").read_text())
    assert saved["refresh_token"] == "rt2"  # the rotated refresh token is kept
    assert stat.S_IMODE((tmp_path / "tok.json").stat().st_mode) == 0o600
    assert tokens.refresh() == "at3"  # a server refused the token: refreshed at once


def test_revoked_consent_is_one_clear_error(tmp_path):
    provider = FakeProvider()
    provider.revoked = True
    tokens = tokens_at(tmp_path, FrozenClock(datetime(2026, 12, 2, tzinfo=UTC)), provider)
    with pytest.raises(TokenError, match="run `dumas auth login`") as caught:
        tokens.access_token()
    assert "Trace" not in str(caught.value)


def test_no_token_file_says_what_to_run(tmp_path):
    tokens = tokens_at(tmp_path, FrozenClock(datetime(2026, 12, 2, tzinfo=UTC)), FakeProvider())
    (tmp_path / "tok.json").unlink()
    with pytest.raises(TokenError, match="dumas auth login"):
        tokens.access_token()


def test_backup_copy_keeps_where_the_token_is_but_not_the_secret():
    from dumas.config.backup import blank_secrets

    text = (
        'token_url = "https://id.example/token"\ntoken_file = "var/t.json"\nclient_secret = "s"\n'
    )
    blanked = blank_secrets(text)
    assert (
        'token_url = "https://id.example/token"' in blanked
        and 'token_file = "var/t.json"' in blanked
    )
    assert 'client_secret = ""' in blanked
