"""Google Workspace sign-in: a service account with domain-wide delegation, through google-auth.

Google's device sign-in does not grant Gmail's scope, so a headless server reaches a Workspace
mailbox the way Google intends for servers: a service account whose client ID a Workspace admin
has allowed the scope `https://mail.google.com/` (Admin console, domain-wide delegation), and
whose JSON key lives on the server (`[oauth2] service_account_file`, 0600/0400, checked at load).
Each access token is obtained by signing a JWT for the mailbox (`sub`) with that key and trading it
at the key's `token_uri` (RFC 7523 jwt-bearer grant); there is no refresh token and nothing to
store. `ServiceAccountTokens` hands tokens to the mail code like `oauth2.OAuth2Tokens`: a new one 5
minutes before expiry or when a server refused the one we had. When Google refuses the grant
(delegation removed, key disabled or deleted), the error says so once; `dumas doctor` adds what an
admin must do (`advice`).

google-auth does the signing and the grant; the HTTP under it is urllib (`_Transport`), so no
`requests` and our timeout. The key file is read again for every token: a replaced key is used
without a restart.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dumas.workflow.clock import Clock, SystemClock
from dumas.workflow.errors import ConfigError, TokenError

GMAIL_SCOPE = "https://mail.google.com/"
_HTTP_TIMEOUT = 30.0
_REFRESH_MARGIN = timedelta(minutes=5)  # as oauth2.REFRESH_MARGIN (not imported: no cycle)
# Google's answers when it will not issue a token for the delegation any more.
_DELEGATION_ERRORS = ("unauthorized_client", "access_denied")
_KEY_ERRORS = ("invalid_grant", "invalid_client", "disabled_client")


@dataclass(frozen=True)
class ServiceAccountKey:
    """What `dumas doctor` and `auth status` may show of a key file: no secret."""

    path: Path
    client_email: str
    client_id: str
    private_key_id: str
    token_uri: str


def read_key(path: Path) -> ServiceAccountKey:
    """Check the key file at load: present, private to the Dumas user, a service account key.
    A ConfigError names `[oauth2] service_account_file`."""
    key = "[oauth2] service_account_file"
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{key}: {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{key}: cannot read {path} as JSON ({type(exc).__name__})") from None
    if mode & 0o177:
        # The key reads and sends every mail of the mailbox: nobody but Dumas may read it.
        raise ConfigError(
            f"{key}: {path} is mode {mode:o}, it must be 600 or 400 (chmod 600 {path})"
        )
    fields = ("client_email", "client_id", "private_key_id", "private_key", "token_uri")
    if not isinstance(data, dict) or data.get("type") != "service_account":
        raise ConfigError(
            f'{key}: {path} is not a service account key (no "type": "service_account")'
        )
    missing = [f for f in fields if not isinstance(data.get(f), str) or not data[f]]
    if missing:
        raise ConfigError(f"{key}: {path} lacks {', '.join(missing)}")
    return ServiceAccountKey(
        path=path,
        client_email=data["client_email"],
        client_id=data["client_id"],
        private_key_id=data["private_key_id"],
        token_uri=data["token_uri"],
    )


class GoogleRefusal(TokenError):
    """Google will not issue a token for this mailbox: `error` is its OAuth error code."""

    def __init__(self, message: str, error: str, description: str) -> None:
        super().__init__(message)
        self.error, self.description = error, description


class ServiceAccountTokens:
    """The access token of `account` (the mailbox the service account acts for); thread-safe."""

    def __init__(self, key: ServiceAccountKey, account: str, clock: Clock | None = None) -> None:
        self.key = key
        self.account = account
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._access = ""
        self._expires_at: datetime | None = None

    def use_clock(self, clock: Clock) -> None:
        self._clock = clock

    def access_token(self) -> str:
        """A valid access token, a new one first if it expires within 5 minutes."""
        with self._lock:
            now = self._clock.now()
            if self._access and self._expires_at and now < self._expires_at - _REFRESH_MARGIN:
                return self._access
            return self._refresh_locked()

    def refresh(self) -> str:
        """A new access token now: a server refused the one we had."""
        with self._lock:
            return self._refresh_locked()

    def check(self) -> datetime | None:
        """A fresh token (for `doctor`): its expiry, or TokenError / GoogleRefusal."""
        self.refresh()
        return self._expires_at

    def _refresh_locked(self) -> str:
        # Imported here: google-auth (and cryptography under it) load only for a Google sign-in.
        from google.auth import exceptions
        from google.oauth2 import service_account

        transport = _Transport()
        now = self._clock.now()
        try:
            credentials = service_account.Credentials.from_service_account_file(
                str(self.key.path), scopes=[GMAIL_SCOPE], subject=self.account
            )
            credentials.refresh(transport)
        except exceptions.RefreshError as exc:
            raise self._refused(exc.args) from None
        except exceptions.TransportError as exc:
            raise TokenError(
                f"cannot reach Google's token endpoint {self.key.token_uri}: {exc}"
            ) from None
        except (OSError, ValueError) as exc:
            raise TokenError(
                f"cannot use the service account key {self.key.path} ({type(exc).__name__})"
            ) from None
        if not credentials.token:
            raise TokenError("Google's answer holds no access token")
        self._access = str(credentials.token)
        self._expires_at = now + timedelta(seconds=transport.expires_in())
        return self._access

    def _refused(self, args: tuple[Any, ...]) -> TokenError:
        answer = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        error = str(answer.get("error") or "")
        description = str(answer.get("error_description") or "").strip().splitlines()
        said = f"{error}: {description[0][:200]}" if description else error or str(args[0])[:200]
        if error in _DELEGATION_ERRORS + _KEY_ERRORS:
            return GoogleRefusal(
                f"Google no longer lets the service account {self.key.client_email} act for "
                f"{self.account} ({said}): its domain-wide delegation was removed or its key "
                "was disabled or deleted; `dumas doctor` says what to do",
                error,
                description[0] if description else "",
            )
        return TokenError(f"Google refused a token for {self.account} ({said})")


def advice(exc: GoogleRefusal, key: ServiceAccountKey, account: str) -> list[str]:
    """What a Workspace admin must do, in plain English, for `dumas doctor`."""
    delegation = [
        "A Google Workspace super administrator: admin.google.com > Security > Access and data "
        "control > API controls > Manage Domain Wide Delegation; add (or restore) client ID "
        f"{key.client_id} with the scope {GMAIL_SCOPE}. It can take some minutes to apply.",
    ]
    new_key = [
        f"In console.cloud.google.com > IAM & Admin > Service accounts > {key.client_email} > "
        f"Keys: if key {key.private_key_id} is disabled, enable it; if it was deleted, add a new "
        f"JSON key, save it as {key.path} (chmod 600, owned by the Dumas user).",
        f"Check that the service account itself is enabled, and that {account} is an active "
        "user of the Workspace.",
    ]
    text = exc.description.lower()
    if exc.error in _DELEGATION_ERRORS:
        steps = delegation
    elif "short-lived" in text or "timeframe" in text:  # Google's words for a JWT out of time
        steps = ["This server's clock is wrong: check `timedatectl` (NTP must be on)."]
    else:
        steps = new_key + delegation
    return [*steps, "Then run `dumas doctor` again; mail waits and nothing is lost meanwhile."]


class _Transport:
    """google-auth's HTTP interface (`google.auth.transport.Request`) over urllib; remembers the
    last answer's `expires_in`, read on our clock (google-auth's own expiry is the wall clock's)."""

    def __init__(self) -> None:
        self._expires_in = 3600.0

    def expires_in(self) -> float:
        return self._expires_in

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        from google.auth import exceptions

        request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout or _HTTP_TIMEOUT) as answer:  # noqa: S310
                response = _Response(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as exc:
            response = _Response(exc.code, dict(exc.headers), exc.read())
        except (OSError, ValueError) as exc:
            raise exceptions.TransportError(f"{type(exc).__name__}: {exc}") from None
        if response.status == 200:
            # A missing or odd expires_in leaves the hour Google's tokens last.
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                self._expires_in = float(json.loads(response.data).get("expires_in", 3600))
        return response


@dataclass(frozen=True)
class _Response:
    status: int
    headers: dict[str, str]
    data: bytes


def key_is_private(path: Path) -> bool:
    """For `doctor`: the key file is still 600/400 (it may have been copied since the load)."""
    try:
        return not stat.S_IMODE(os.stat(path).st_mode) & 0o177
    except OSError:
        return False
