"""OAuth2 sign-in without servers: `[oauth2]` validation and the token's refresh rules (msal
over an in-memory provider)."""

import base64
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
    "authority": "https://id.example/rig",
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
                "authority": "",
            }
        ),
        environ={},
        base=tmp_path,
    )
    assert s.oauth2.authority == "https://login.microsoftonline.com/kpu.example"
    assert "offline_access" in s.oauth2.scopes


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"imap": {"password": "x"}}, "[imap] password"),
        ({"oauth2": {"client_id": ""}}, "[oauth2] client_id"),
        ({"oauth2": {"provider": ""}}, "[oauth2] provider"),
        ({"oauth2": {"provider": "google"}}, "[oauth2] client_id is not used"),
        ({"oauth2": {"service_account_file": "k.json"}}, "[oauth2] service_account_file"),
        ({"oauth2": {"authority": ""}}, "[oauth2] authority"),
        ({"oauth2": {"authority": "http://127.0.0.1/rig"}}, "[oauth2] authority"),
        ({"oauth2": {"tenant": "x"}}, "[oauth2] tenant"),
        ({"oauth2": {"scopes": []}}, "[oauth2] scopes"),
        ({"oauth2": {"provider": "microsoft"}}, "[oauth2] authority"),
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


class Answer:
    """An HTTP answer as msal reads it (requests' names)."""

    def __init__(self, status, data):
        self.status_code, self.text, self.headers = status, json.dumps(data), {}

    def raise_for_status(self):
        assert self.status_code < 400


def _claims(sub):
    def b64(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none'})}.{b64({'iss': ISSUER, 'sub': sub, 'aud': 'dumas'})}."


ISSUER = "https://id.example/rig"


class FakeProvider:
    """msal's http_client: the provider's discovery, device and token endpoints, in memory."""

    def __init__(self):
        self.calls = []
        self.revoked = False
        self.pending = 0

    def get(self, url, **kwargs):
        assert url == f"{ISSUER}/.well-known/openid-configuration"
        return Answer(
            200,
            {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/authorize",
                "device_authorization_endpoint": f"{ISSUER}/device",
                "token_endpoint": f"{ISSUER}/token",
            },
        )

    def post(self, url, data=None, **kwargs):
        if url.endswith("/device"):
            self.calls.append("device")
            return Answer(
                200,
                {
                    "device_code": "dc",
                    "user_code": "U-1",
                    "verification_uri": "https://id.example/activate",
                    "interval": 5,
                    "expires_in": 600,
                },
            )
        self.calls.append(data["grant_type"])
        if self.revoked:
            return Answer(
                400, {"error": "invalid_grant", "error_description": "AADSTS70000: revoked\nTrace"}
            )
        if data["grant_type"].endswith("device_code") and self.pending:
            self.pending -= 1
            return Answer(400, {"error": "authorization_pending"})
        n = len(self.calls)
        return Answer(
            200,
            {
                "access_token": f"at{n}",
                "refresh_token": f"rt{n}",
                "expires_in": 3600,
                "id_token": _claims("a@example.org"),
            },
        )

    def close(self):
        pass


def tokens_at(tmp_path, clock, provider, sleep=None):
    settings = OAuth2Settings(
        "generic", "dumas", "", ("offline_access", "mail"), tmp_path / "tok.json", ISSUER
    )
    # A token file from before msal: its refresh token is taken over.
    (tmp_path / "tok.json").write_text(json.dumps({"refresh_token": "rt0"}))
    waits = []
    tokens = OAuth2Tokens(
        settings, "a@example.org", clock=clock, http_client=provider, sleep=waits.append
    )
    return tokens, waits


def test_access_token_is_refreshed_five_minutes_before_expiry(tmp_path):
    clock = FrozenClock(datetime(2026, 12, 2, 9, tzinfo=UTC))
    provider = FakeProvider()
    tokens, _ = tokens_at(tmp_path, clock, provider)
    assert tokens.access_token() == "at1"
    clock.set(clock.now() + timedelta(minutes=54))
    assert tokens.access_token() == "at1"  # 6 minutes left: kept
    clock.set(clock.now() + timedelta(minutes=2))
    assert tokens.access_token() == "at2"  # 4 minutes left: refreshed
    saved = json.loads((tmp_path / "tok.json").read_text())
    assert '"secret": "rt2"' in saved["msal"]  # the rotated refresh token is kept
    assert "rt1" not in saved["msal"]
    assert stat.S_IMODE((tmp_path / "tok.json").stat().st_mode) == 0o600
    assert tokens.refresh() == "at3"  # a server refused the token: refreshed at once
    assert provider.calls == ["refresh_token"] * 3
    assert saved["expires_at"] == "2026-12-02T10:56:00+00:00"  # on our clock, not msal's


# msal warns that we poll before the interval passed: our sleep is the test's no-op.
@pytest.mark.filterwarnings("ignore:Attempted too soon")
def test_device_flow_waits_on_our_sleep_and_gives_up_in_time(tmp_path):
    clock = FrozenClock(datetime(2026, 12, 2, 9, tzinfo=UTC))
    provider = FakeProvider()
    tokens, waits = tokens_at(tmp_path, clock, provider)
    (tmp_path / "tok.json").unlink()
    provider.pending = 2
    code = tokens.start_login()
    assert (code.user_code, code.verification_uri) == ("U-1", "https://id.example/activate")
    status = tokens.finish_login(code)
    assert waits == [5.0, 5.0] and status.has_refresh_token
    assert status.access_expires_at == clock.now() + timedelta(hours=1)
    provider.pending = 10**6  # nobody types the code: the 15-minute limit ends it
    with pytest.raises(TokenError, match="nobody approved the sign-in in time"):
        tokens.finish_login(tokens.start_login())


def test_revoked_consent_is_one_clear_error(tmp_path):
    provider = FakeProvider()
    provider.revoked = True
    tokens, _ = tokens_at(tmp_path, FrozenClock(datetime(2026, 12, 2, tzinfo=UTC)), provider)
    with pytest.raises(TokenError, match="run `dumas auth login`") as caught:
        tokens.access_token()
    assert "Trace" not in str(caught.value)


def test_no_token_file_says_what_to_run(tmp_path):
    tokens, _ = tokens_at(tmp_path, FrozenClock(datetime(2026, 12, 2, tzinfo=UTC)), FakeProvider())
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


@pytest.mark.filterwarnings("ignore:Attempted too soon")
def test_a_client_secret_rides_in_every_token_request(tmp_path):
    """msal's device flow is a public client's: a configured secret goes in the form itself."""
    import dataclasses

    provider = FakeProvider()
    forms = []
    answer = provider.post

    def post(url, data=None, **kwargs):
        forms.append(dict(data or {}))
        return answer(url, data=data, **kwargs)

    provider.post = post
    tokens, _ = tokens_at(tmp_path, FrozenClock(datetime(2026, 12, 2, tzinfo=UTC)), provider)
    tokens.settings = dataclasses.replace(tokens.settings, client_secret="s3")
    tokens.access_token()  # the token file from before msal
    (tmp_path / "tok.json").unlink()
    tokens.finish_login(tokens.start_login())
    tokens.refresh()
    grants = [(f.get("grant_type"), f.get("client_secret")) for f in forms if "grant_type" in f]
    assert [g for g, _ in grants] == [
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "refresh_token",
    ]
    assert all(secret == "s3" for _, secret in grants)
