"""The SASL messages of an OAuth2 login, shared by IMAP (ingest/mailbox/source.py) and SMTP
(notify/sender.py): which mechanism to use, what to send first, what to answer a refusal. Pure.

OAUTHBEARER (RFC 7628) is the standard; XOAUTH2 is Google's and Microsoft's older mechanism that
every OAuth2 mail server still takes. We send OAUTHBEARER when the server advertises it and
XOAUTH2 otherwise (Microsoft 365 advertises only XOAUTH2; Gmail and Dovecot both).
"""

from __future__ import annotations

from collections.abc import Iterable

OAUTHBEARER = "OAUTHBEARER"
XOAUTH2 = "XOAUTH2"


def oauth2_mechanism(advertised: Iterable[str]) -> str:
    """OAUTHBEARER when among the server's `advertised` mechanism names, else XOAUTH2."""
    names = {name.strip().upper() for name in advertised}
    return OAUTHBEARER if OAUTHBEARER in names else XOAUTH2


def oauth2_initial_response(mechanism: str, user: str, token: str, host: str, port: int) -> str:
    """The client's first message (before base64, which the protocol libraries add)."""
    if mechanism == OAUTHBEARER:
        # RFC 7628 3.1: a GS2 header naming the authorization identity (',' and '=' escaped,
        # RFC 5801 4), then key=value pairs separated by ^A, ended by ^A^A.
        authzid = user.replace("=", "=3D").replace(",", "=2C")
        return f"n,a={authzid},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def oauth2_refusal_answer(mechanism: str) -> str:
    """What to answer the server's error challenge (a JSON status) so that it ends the exchange
    with a plain failure: RFC 7628 3.2.3 asks for a single ^A, XOAUTH2 for an empty response."""
    return "\x01" if mechanism == OAUTHBEARER else ""
