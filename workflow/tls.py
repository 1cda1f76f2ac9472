"""One TLS policy for IMAP and SMTP: the system's CAs (or a given CA file), verification on; and
the fields of a mail server's settings that a connection reads, shared by both."""

from __future__ import annotations

import ssl
from typing import Protocol


class ServerAccess(Protocol):
    """How to reach a mail server: the fields `dumas.config.settings.Imap` and `.Smtp` share
    (ingest and notify do not import config)."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def security(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def tls_verify(self) -> bool: ...
    @property
    def ca_file(self) -> str: ...


class TokenSource(Protocol):
    """An OAuth2 access token for a mail server's XOAUTH2 login (`dumas.config.oauth2.
    OAuth2Tokens`): `refresh()` when the server refused the one `access_token()` gave."""

    def access_token(self) -> str: ...
    def refresh(self) -> str: ...


def tls_context(verify: bool, ca_file: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx
