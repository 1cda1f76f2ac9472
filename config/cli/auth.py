"""`dumas auth login` and `dumas auth status`: the OAuth2 sign-in of the mailbox account.

`login` is the device authorization grant (RFC 8628), so it works over SSH on a server without a
browser: it prints where to go and the code to type, then waits for the person to approve. A
Google service account (`[oauth2] provider = "google"`) has nothing to sign in: `login` and
`status` get a token with its key and say whom it acts for.
"""

from __future__ import annotations

from dumas.config.app import App
from dumas.config.oauth2 import OAuth2Tokens
from dumas.config.serviceaccount import ServiceAccountTokens
from dumas.workflow.errors import ConfigError


def add_auth_commands(sub) -> None:
    p = sub.add_parser("auth", help="the OAuth2 sign-in of the mailbox ([oauth2])")
    actions = p.add_subparsers(dest="auth_command", required=True, metavar="ACTION")
    login = actions.add_parser(
        "login", help="sign in (device code: open a page anywhere, type the code shown)"
    )
    login.set_defaults(func=cmd_login)
    status = actions.add_parser("status", help="the signed-in account and the token's expiry")
    status.set_defaults(func=cmd_status)


def _tokens(app: App) -> OAuth2Tokens | ServiceAccountTokens:
    tokens = app.settings.imap.tokens or app.settings.smtp.tokens
    if tokens is None:
        raise ConfigError('no server signs in with OAuth2: set [imap] auth = "oauth2" and [oauth2]')
    return tokens


def cmd_login(app: App, args, printer=print) -> int:
    tokens = _tokens(app)
    if isinstance(tokens, ServiceAccountTokens):
        printer("a Google service account needs no sign-in: its key file is the sign-in")
        return _service_account_status(tokens, printer)
    code = tokens.start_login()
    printer(
        f"To sign in {tokens.account}, open {code.verification_uri} and type {code.user_code}",
        flush=True,
    )
    printer("waiting for the sign-in to be approved ...", flush=True)
    status = tokens.finish_login(code)
    printer(f"signed in; the refresh token is kept in {tokens.settings.token_file} (mode 600)")
    if status.access_expires_at:
        printer(f"access token valid until {status.access_expires_at:%Y-%m-%d %H:%M %Z}")
    return 0


def cmd_status(app: App, args, printer=print) -> int:
    tokens = _tokens(app)
    if isinstance(tokens, ServiceAccountTokens):
        return _service_account_status(tokens, printer)
    status = tokens.status()
    printer(f"account:  {status.account} ({status.provider})")
    printer(f"file:     {tokens.settings.token_file}")
    if not status.has_refresh_token:
        printer("signed in: no (run `dumas auth login`)")
        return 1
    obtained = f"{status.obtained_at:%Y-%m-%d %H:%M %Z}" if status.obtained_at else "unknown"
    expires = f"{status.access_expires_at:%Y-%m-%d %H:%M %Z}" if status.access_expires_at else "?"
    printer(f"signed in: yes, last token {obtained}, access token valid until {expires}")
    printer("(refreshed automatically; a refused refresh says to run `dumas auth login`)")
    return 0


def _service_account_status(tokens: ServiceAccountTokens, printer) -> int:
    """Whom the key acts for, and a token got now (a refusal raises TokenError, said once)."""
    key = tokens.key
    printer(f"account:  {tokens.account} (google, domain-wide delegation)")
    printer(f"service account: {key.client_email}, key {key.private_key_id[:8]}…")
    printer(f"key file: {key.path}")
    expires = tokens.check()
    until = f", access token valid until {expires:%Y-%m-%d %H:%M %Z}" if expires else ""
    printer(f"signed in: yes{until}")
    printer("(a new token is fetched with the key before each expiry)")
    return 0
