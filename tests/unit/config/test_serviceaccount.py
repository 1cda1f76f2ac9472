"""Google Workspace service accounts without servers: the key file checked at load, the
[oauth2] combinations refused, the error and the advice when Google refuses."""

import copy
import json

import pytest

from dumas.config.serviceaccount import GoogleRefusal, ServiceAccountTokens, advice, read_key
from dumas.config.settings import settings_from_dict
from dumas.workflow.errors import ConfigError

from .test_settings import MINIMAL

KEY = {
    "type": "service_account",
    "project_id": "kpu",
    "private_key_id": "0123456789abcdef",
    "private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
    "client_email": "dumas@kpu.iam.gserviceaccount.com",
    "client_id": "1234567890",
    "token_uri": "https://oauth2.googleapis.com/token",
}


def key_file(folder, mode=0o600, **changes):
    path = folder / "sa.json"
    path.write_text(json.dumps({**KEY, **changes}))
    path.chmod(mode)
    return path


def google_config(path, **oauth2):
    data = copy.deepcopy(MINIMAL)
    del data["imap"]["password"]
    data["imap"]["auth"] = "oauth2"
    data["oauth2"] = {"provider": "google", "service_account_file": str(path), **oauth2}
    return data


def test_a_google_config_acts_for_the_imap_mailbox(tmp_path):
    s = settings_from_dict(google_config(key_file(tmp_path, 0o400)), environ={}, base=tmp_path)
    tokens = s.imap.tokens
    assert isinstance(tokens, ServiceAccountTokens)
    assert tokens.account == "pengaduan@example.org"
    assert tokens.key.client_email == KEY["client_email"]
    assert s.oauth2.scopes == ("https://mail.google.com/",)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o700])
def test_a_key_others_can_read_is_refused_naming_the_key(tmp_path, mode):
    path = key_file(tmp_path, mode)
    with pytest.raises(ConfigError, match=rf"\[oauth2\] service_account_file: {path} is mode"):
        settings_from_dict(google_config(path), environ={}, base=tmp_path)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"type": "authorized_user"}, "not a service account key"),
        ({"private_key": ""}, "lacks private_key"),
        ({"token_uri": "http://id.example/token"}, "token_uri that is not https"),
    ],
)
def test_a_key_that_cannot_work_is_refused(tmp_path, changes, says):
    with pytest.raises(ConfigError, match=says):
        settings_from_dict(google_config(key_file(tmp_path, **changes)), environ={})


def test_missing_key_and_other_providers_keys_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        settings_from_dict(google_config(tmp_path / "nope.json"), environ={})
    with pytest.raises(ConfigError, match=r"\[oauth2\] service_account_file is missing"):
        settings_from_dict(google_config(""), environ={})
    for key, value in (("client_id", "x"), ("scopes", ["mail"]), ("authority", "https://x/t")):
        with pytest.raises(ConfigError, match=rf"\[oauth2\] {key} is not used"):
            settings_from_dict(google_config(key_file(tmp_path), **{key: value}), environ={})


def test_advice_follows_googles_answer(tmp_path):
    key = read_key(key_file(tmp_path))
    revoked = GoogleRefusal("x", "unauthorized_client", "Client is unauthorized ...")
    text = " ".join(advice(revoked, key, "pengaduan@kpu.example"))
    assert "Domain Wide Delegation" in text and KEY["client_id"] in text
    assert "https://mail.google.com/" in text and "new JSON key" not in text
    deleted = GoogleRefusal("x", "invalid_grant", "Invalid JWT Signature.")
    text = " ".join(advice(deleted, key, "pengaduan@kpu.example"))
    assert "new JSON key" in text and KEY["private_key_id"] in text and str(key.path) in text
    skewed = GoogleRefusal("x", "invalid_grant", "Invalid JWT: Token must be a short-lived token")
    assert "clock" in " ".join(advice(skewed, key, "pengaduan@kpu.example"))
