"""OAuth2 sign-in on the rig: `dumas auth login` (device code) against the rig's identity
provider, XOAUTH2 logins to Dovecot's oauth2 passdb, a token expiring mid-run, a revoked consent."""

from __future__ import annotations

import json
import stat
import tomllib

import pytest

from dumas.config.app import App, clock_from_env
from dumas.config.settings import load_settings
from dumas.ingest.mailbox.source import MailboxSource
from dumas.notify.sender import send_test
from dumas.workflow.errors import DeliveryError
from tests.rig import write_config


@pytest.fixture
def oauth_config(rig, office, tmp_path):
    rig.oauth2.approve_as = rig.address(office.pengaduan)
    return write_config(
        rig,
        tmp_path,
        office.pengaduan,
        office.roles,
        imap={"auth": "oauth2", "password": None},
        oauth2={
            "provider": "generic",
            "client_id": "dumas-test",
            "scopes": ["offline_access", "mail"],
            "authority": rig.oauth2.authority,
            "ca_file": str(rig.ca_file),
            "token_file": str(tmp_path / "var" / "oauth2-token.json"),
        },
    )


def run(main_args, capsys):
    from dumas.config.cli.main import main

    rc = main(main_args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_login_poll_expiry_and_revocation(rig, office, oauth_config, tmp_path, capsys):
    cfg = ["--config", str(oauth_config)]
    assert run([*cfg, "init"], capsys)[0] == 0

    # Before signing in: the poll and doctor say what to run.
    rc, _out, err = run([*cfg, "poll"], capsys)
    assert rc == 3 and "dumas auth login" in err

    rig.oauth2.pending_polls = 1  # the person types the code after the first poll
    rc, out, _err = run([*cfg, "auth", "login"], capsys)
    assert rc == 0, out
    assert f"open {rig.oauth2.url}/activate and type RIG-" in out
    token_file = tmp_path / "var" / "oauth2-token.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert "rig-at-" not in out and "rig-rt-" not in out  # no secret on the terminal

    rc, out, _err = run([*cfg, "auth", "status"], capsys)
    assert rc == 0 and rig.address(office.pengaduan) in out and "signed in: yes" in out
    assert "rig-rt-" not in out

    # A poll signs in to Dovecot (OAUTHBEARER: it offers it) and reads the mailbox.
    rig.append(office.pengaduan, b"From: a@example.org\r\nSubject: tes\r\n\r\nhalo\r\n")
    rc, out, err = run([*cfg, "poll"], capsys)
    assert rc == 0, err

    # One daemon run: the access token expires on the server mid-run; the next connection is
    # refused once, refreshes, and reads on.
    app = App(load_settings(oauth_config), clock=clock_from_env())
    try:
        with MailboxSource(app.settings.imap) as source:
            source.select("INBOX")
        refreshes = rig.oauth2.counts["refresh_token"]
        rig.oauth2.expire_access_tokens()
        with MailboxSource(app.settings.imap) as source:
            assert source.select("INBOX")
        assert rig.oauth2.counts["refresh_token"] == refreshes + 1

        # Consent revoked: one clear error naming the command, in the poll and in doctor.
        rig.oauth2.revoke(rig.address(office.pengaduan))
    finally:
        app.close()
    rc, _out, err = run([*cfg, "poll"], capsys)
    assert rc == 3
    assert "no longer accepts the sign-in" in err and "run `dumas auth login`" in err
    assert err.count("dumas auth login") == 1
    rc, out, _err = run([*cfg, "doctor"], capsys)
    assert rc == 1
    line = next(x for x in out.splitlines() if "OAuth2 sign-in" in x)
    assert line.startswith("FAIL") and "run `dumas auth login`" in line

    # Signing in again mends it.
    rc, out, _err = run([*cfg, "auth", "login"], capsys)
    assert rc == 0
    assert run([*cfg, "poll"], capsys)[0] == 0


def test_a_wrong_token_is_refused_by_dovecot(rig, office, oauth_config):
    """The oauth2 passdb really checks: a token the provider does not know is a LoginError."""
    from imapclient import IMAPClient
    from imapclient.exceptions import LoginError

    client = IMAPClient(rig.host, port=rig.imap_port, ssl=False, timeout=10)
    try:
        with pytest.raises(LoginError):
            client.oauth2_login(rig.address(office.pengaduan), "rig-at-forged", mech="XOAUTH2")
        # and the password still works beside it
        client.login(rig.address(office.pengaduan), rig.password)
    finally:
        client.logout()


def test_smtp_signs_in_with_xoauth2(rig, office, oauth_config, tmp_path, capsys):
    """[smtp] auth = "oauth2": AUTH XOAUTH2 with the same sign-in; an expired token is
    refreshed once and the email goes."""
    from tests.rig import toml_dumps

    doc = tomllib.loads(oauth_config.read_text())
    doc["smtp"].update(auth="oauth2", username=doc["imap"]["username"])
    doc["smtp"].pop("password", None)
    oauth_config.write_text(toml_dumps(doc))
    cfg = ["--config", str(oauth_config)]
    assert run([*cfg, "init"], capsys)[0] == 0
    assert run([*cfg, "auth", "login"], capsys)[0] == 0

    app = App(load_settings(oauth_config), clock=clock_from_env())
    try:
        assert app.settings.smtp.tokens is app.settings.imap.tokens  # one sign-in
        send_test(app.settings.smtp, "someone@example.org", app.clock.now())
        refreshes = rig.oauth2.counts["refresh_token"]
        rig.oauth2.expire_access_tokens()
        send_test(app.settings.smtp, "someone@example.org", app.clock.now())
        assert rig.oauth2.counts["refresh_token"] == refreshes + 1
        rig.oauth2.revoke(rig.address(office.pengaduan))
        rig.oauth2.expire_access_tokens()
        with pytest.raises(DeliveryError, match="run `dumas auth login`") as caught:
            send_test(app.settings.smtp, "someone@example.org", app.clock.now())
        assert not caught.value.permanent  # the outbox waits for the new sign-in
    finally:
        app.close()
    assert len(rig.captured(to="someone@example.org")) == 2


def test_oauthbearer_when_offered_xoauth2_otherwise(rig, office, oauth_config, capsys):
    """IMAP and SMTP sign in with OAUTHBEARER (RFC 7628) where the server advertises it, with
    XOAUTH2 where it does not (Microsoft 365); a refused token is refreshed in either."""
    import dataclasses

    from tests.rig import toml_dumps
    from tests.rig.capfilter import CapabilityFilter

    doc = tomllib.loads(oauth_config.read_text())
    doc["smtp"].update(auth="oauth2", username=doc["imap"]["username"])
    doc["smtp"].pop("password", None)
    oauth_config.write_text(toml_dumps(doc))
    cfg = ["--config", str(oauth_config)]
    assert run([*cfg, "init"], capsys)[0] == 0
    assert run([*cfg, "auth", "login"], capsys)[0] == 0
    app = App(load_settings(oauth_config), clock=clock_from_env())
    try:
        both = CapabilityFilter(rig.imap_port, hide=[])
        xoauth2_only = CapabilityFilter(rig.imap_port, hide=[b"AUTH=OAUTHBEARER"])
        with both, xoauth2_only:
            for relay in (both, xoauth2_only):
                imap = dataclasses.replace(app.settings.imap, port=relay.port)
                with MailboxSource(imap) as source:
                    source.select("INBOX")
            assert both.mechanisms == ["OAUTHBEARER"]
            assert xoauth2_only.mechanisms == ["XOAUTH2"]

            # Dovecot refuses an expired token with OAUTHBEARER's error challenge; the answer
            # ends the exchange, the token is refreshed, the second try gets in.
            refreshes = rig.oauth2.counts["refresh_token"]
            rig.oauth2.expire_access_tokens()
            with MailboxSource(dataclasses.replace(app.settings.imap, port=both.port)) as source:
                assert source.select("INBOX")
            assert both.mechanisms == ["OAUTHBEARER"] * 3
            assert rig.oauth2.counts["refresh_token"] == refreshes + 1

        send_test(app.settings.smtp, "someone@example.org", app.clock.now())
        rig.oauth2.expire_access_tokens()
        send_test(app.settings.smtp, "someone@example.org", app.clock.now())
        rig.smtp.oauthbearer_offered = False
        send_test(app.settings.smtp, "someone@example.org", app.clock.now())
        assert rig.smtp.oauth2_logins[-3:] == ["OAUTHBEARER", "OAUTHBEARER", "XOAUTH2"]
        assert rig.oauth2.counts["refresh_token"] == refreshes + 2
    finally:
        app.close()
    assert len(rig.captured(to="someone@example.org")) == 3


@pytest.fixture
def google_config(rig, office, tmp_path):
    """Both servers sign in as the mailbox through a Workspace service account (the rig's key)."""
    key_file = rig.oauth2.new_service_account(tmp_path / "secrets", [rig.address(office.pengaduan)])
    return write_config(
        rig,
        tmp_path,
        office.pengaduan,
        office.roles,
        imap={"auth": "oauth2", "password": None},
        smtp={"auth": "oauth2", "username": rig.address(office.pengaduan), "password": None},
        oauth2={"provider": "google", "service_account_file": str(key_file)},
    )


def test_google_service_account_poll_send_expiry_and_revocation(
    rig, office, google_config, tmp_path, capsys
):
    """provider = "google": the service account's signed JWT buys an access token for the
    mailbox, Dovecot and the SMTP server take it; an expired token is replaced mid-run; a removed
    delegation is one clear error, and doctor says what the Workspace admin must do."""
    cfg = ["--config", str(google_config)]
    assert run([*cfg, "init"], capsys)[0] == 0
    key = json.loads(next((tmp_path / "secrets").glob("*.json")).read_text())
    mailbox = rig.address(office.pengaduan)

    rig.append(office.pengaduan, b"From: a@example.org\r\nSubject: tes\r\n\r\nhalo\r\n")
    rc, _out, err = run([*cfg, "poll"], capsys)
    assert rc == 0, err
    assert rig.oauth2.counts["jwt_bearer"] >= 1

    rc, out, _err = run([*cfg, "auth", "status"], capsys)
    assert rc == 0 and key["client_email"] in out and mailbox in out
    assert "PRIVATE KEY" not in out

    app = App(load_settings(google_config), clock=clock_from_env())
    try:
        with MailboxSource(app.settings.imap) as source:
            source.select("INBOX")
        send_test(app.settings.smtp, "someone@example.org", app.clock.now())
        # The token stops working on the servers mid-poll: one new grant, and the poll goes on.
        grants = rig.oauth2.counts["jwt_bearer"]
        rig.oauth2.expire_access_tokens()
        with MailboxSource(app.settings.imap) as source:
            assert source.select("INBOX")
        assert rig.oauth2.counts["jwt_bearer"] == grants + 1
        send_test(app.settings.smtp, "someone@example.org", app.clock.now())
        assert rig.oauth2.counts["jwt_bearer"] == grants + 1  # the new token serves SMTP too

        # Before it expires (5 minutes ahead), a new token is fetched without a refusal.
        app.clock.advance(seconds=rig.oauth2.lifetime - 4 * 60)
        with MailboxSource(app.settings.imap) as source:
            source.select("INBOX")
        assert rig.oauth2.counts["jwt_bearer"] == grants + 2
    finally:
        app.close()
    assert len(rig.captured(to="someone@example.org")) == 2

    # The admin removes the delegation: the poll says so once, doctor says what to do.
    rig.oauth2.revoke_delegation(key["client_email"], mailbox)
    rc, _out, err = run([*cfg, "poll"], capsys)
    assert rc == 3
    assert f"Google no longer lets the service account {key['client_email']} act for" in err
    assert err.count("domain-wide delegation was removed") == 1
    rc, out, _err = run([*cfg, "doctor"], capsys)
    assert rc == 1
    assert "Manage Domain Wide Delegation" in out and key["client_id"] in out
    assert "https://mail.google.com/" in out
    # A deleted or disabled key: doctor asks for a new key file.
    rig.oauth2.disable_key(key["client_email"])
    rc, out, _err = run([*cfg, "doctor"], capsys)
    assert rc == 1 and "add a new JSON key" in out and key["private_key_id"] in out


def test_google_key_file_must_be_private(rig, office, google_config, tmp_path):
    from dumas.workflow.errors import ConfigError

    key_file = next((tmp_path / "secrets").glob("*.json"))
    key_file.chmod(0o644)
    with pytest.raises(ConfigError, match=r"\[oauth2\] service_account_file: .* is mode 644"):
        load_settings(google_config)
    key_file.chmod(0o400)
    assert load_settings(google_config).imap.tokens is not None
