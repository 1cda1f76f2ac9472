"""OAuth 2.0 sign-in for the mailbox and the SMTP server: the only module that talks to an
identity provider.

Microsoft 365 has turned basic auth off, so the office's mailbox is reached with an access token
(IMAP/SMTP XOAUTH2). `dumas auth login` runs the device authorization grant (RFC 8628): it prints a
code for a person to type at the provider's page, so it works over SSH on a headless server, and
stores the refresh token in `[oauth2] token_file` (mode 0600). Afterwards `OAuth2Tokens.
access_token()` hands out an access token, refreshed (refresh-token grant) 5 minutes before it
expires, or at once when a mail server refused it (`refresh()`).

The grants are plain HTTP forms, done here with urllib: Microsoft's and any standard provider's
endpoints ("generic", the test rig's) speak them directly, so no provider library (msal) is
needed for this flow. Google Workspace signs in with a service account instead
(`serviceaccount.py`, google-auth). A refused refresh (`invalid_grant`: consent revoked, password
changed, token expired) is one `TokenError` naming the command that fixes it.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dumas.config.serviceaccount import ServiceAccountKey
from dumas.workflow.clock import Clock, SystemClock
from dumas.workflow.errors import TokenError

PROVIDERS = ("microsoft", "google", "generic")
# The default [oauth2] token_file, in the file store's parent folder (/var/lib/dumas).
TOKEN_FILE_NAME = "oauth2-token.json"
# Refresh this long before the provider's expiry: a poll or a send that starts with a token about
# to expire must not be refused halfway.
REFRESH_MARGIN = timedelta(minutes=5)
# A device code is typed by a person: give them this long at most, whatever the server says.
LOGIN_TIMEOUT = timedelta(minutes=15)
LOGIN_COMMAND = "dumas auth login"
_HTTP_TIMEOUT = 30.0

_MICROSOFT = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
MICROSOFT_SCOPES = (
    "offline_access",
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
)


@dataclass(frozen=True)
class OAuth2Settings:
    """The `[oauth2]` section, resolved: endpoints filled in for the named provider."""

    provider: str
    client_id: str
    tenant: str
    scopes: tuple[str, ...]
    token_url: str
    device_code_url: str
    # Where the sign-in is kept: the refresh token's file, or (provider "google") the service
    # account's key, `service_account`.
    token_file: Path
    client_secret: str = ""
    service_account: ServiceAccountKey | None = None


def endpoints(provider: str, tenant: str, token_url: str, device_code_url: str) -> tuple[str, str]:
    """(token_url, device_code_url) for the provider; "generic" gives its own."""
    if provider == "microsoft":
        base = _MICROSOFT.format(tenant=tenant or "organizations")
        return f"{base}/token", f"{base}/devicecode"
    return token_url, device_code_url


@dataclass(frozen=True)
class DeviceCode:
    """What the person must do: open `verification_uri` and type `user_code`."""

    device_code: str
    user_code: str
    verification_uri: str
    interval: float
    expires_in: float


@dataclass(frozen=True)
class TokenStatus:
    """What `dumas auth status` shows: no secret."""

    account: str
    provider: str
    access_expires_at: datetime | None
    has_refresh_token: bool
    obtained_at: datetime | None


class OAuth2Tokens:
    """The access token for one account, refreshed when needed; safe across threads (the
    daemon's IDLE watcher and its jobs share it)."""

    def __init__(
        self,
        settings: OAuth2Settings,
        account: str,
        clock: Clock | None = None,
        post: Callable[[str, dict[str, str]], dict[str, Any]] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.account = account
        self._clock = clock or SystemClock()
        self._post = post or _post_form
        self._sleep = sleep
        self._lock = threading.Lock()
        self._access: str = ""
        self._expires_at: datetime | None = None

    def use_clock(self, clock: Clock) -> None:
        """Read expiries on `clock` (the App's): settings are loaded before the App exists."""
        self._clock = clock

    # --- what the mail code uses --------------------------------------------------------------

    def access_token(self) -> str:
        """A valid access token, refreshed first if it expires within the margin."""
        with self._lock:
            now = self._clock.now()
            if self._access and self._expires_at and now < self._expires_at - REFRESH_MARGIN:
                return self._access
            return self._refresh_locked()

    def refresh(self) -> str:
        """A new access token now: a server refused the one we had (revoked or expired early)."""
        with self._lock:
            return self._refresh_locked()

    # --- `dumas auth` -------------------------------------------------------------------------

    def start_login(self) -> DeviceCode:
        s = self.settings
        form = {"client_id": s.client_id, "scope": " ".join(s.scopes)}
        answer = self._call(s.device_code_url, form, "device authorization")
        try:
            return DeviceCode(
                device_code=str(answer["device_code"]),
                user_code=str(answer["user_code"]),
                # Microsoft's v2 endpoint and RFC 8628 say verification_uri; some say _url.
                verification_uri=str(answer.get("verification_uri") or answer["verification_url"]),
                interval=float(answer.get("interval", 5)),
                expires_in=float(answer.get("expires_in", 900)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TokenError(f"the device authorization answer lacks {exc}") from None

    def finish_login(self, code: DeviceCode) -> TokenStatus:
        """Poll the token endpoint until the person has approved (or refused, or time is up);
        store the tokens 0600."""
        s = self.settings
        interval = min(max(code.interval, 1.0), 60.0)
        waited = 0.0
        limit = min(code.expires_in, LOGIN_TIMEOUT.total_seconds())
        form = {
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "client_id": s.client_id,
            "device_code": code.device_code,
        }
        if s.client_secret:
            form["client_secret"] = s.client_secret
        while True:
            answer = self._post(s.token_url, form)
            error = answer.get("error")
            if not error:
                break
            if error == "authorization_pending" and waited < limit:
                pass
            elif error == "slow_down" and waited < limit:
                interval = min(interval + 5, 60.0)  # RFC 8628 3.5
            elif error in ("authorization_pending", "slow_down", "expired_token"):
                raise TokenError(
                    f"nobody approved the sign-in in time: run `{LOGIN_COMMAND}` again"
                )
            else:
                raise TokenError(f"the sign-in was refused ({_error_text(answer)})")
            self._sleep(interval)
            waited += interval
        with self._lock:
            self._store(answer, refresh_token="")
        return self.status()

    def status(self) -> TokenStatus:
        saved = self._load(missing_ok=True)
        return TokenStatus(
            account=self.account,
            provider=self.settings.provider,
            access_expires_at=_instant(saved.get("expires_at")),
            has_refresh_token=bool(saved.get("refresh_token")),
            obtained_at=_instant(saved.get("obtained_at")),
        )

    def check(self) -> datetime | None:
        """Get a fresh access token (for `doctor`): its expiry, or TokenError saying what to do."""
        self.refresh()
        return self._expires_at

    # --- inside -------------------------------------------------------------------------------

    def _refresh_locked(self) -> str:
        s = self.settings
        saved = self._load(missing_ok=False)
        refresh_token = str(saved.get("refresh_token") or "")
        if not refresh_token:
            raise TokenError(
                f"no refresh token in {s.token_file} for {self.account}: run `{LOGIN_COMMAND}`"
            )
        form = {
            "grant_type": "refresh_token",
            "client_id": s.client_id,
            "refresh_token": refresh_token,
            "scope": " ".join(s.scopes),
        }
        if s.client_secret:
            form["client_secret"] = s.client_secret
        answer = self._post(s.token_url, form)
        if answer.get("error"):
            if answer["error"] in ("invalid_grant", "interaction_required", "invalid_client"):
                raise TokenError(
                    f"the identity provider no longer accepts the sign-in of {self.account} "
                    f"({_error_text(answer)}; consent revoked, password changed or token "
                    f"expired): run `{LOGIN_COMMAND}`"
                )
            raise TokenError(f"the token refresh failed: {_error_text(answer)}")
        return self._store(answer, refresh_token=refresh_token)

    def _store(self, answer: dict[str, Any], refresh_token: str) -> str:
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenError("the identity provider's answer holds no access token")
        now = self._clock.now()
        try:
            lifetime = float(answer.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._access = access
        self._expires_at = now + timedelta(seconds=lifetime)
        # A provider may rotate the refresh token (Microsoft does): keep the newest.
        record = {
            "account": self.account,
            "provider": self.settings.provider,
            "refresh_token": answer.get("refresh_token") or refresh_token,
            "expires_at": self._expires_at.isoformat(),
            "obtained_at": now.isoformat(),
        }
        if not record["refresh_token"]:
            raise TokenError(
                "the identity provider gave no refresh token (is `offline_access` in "
                "[oauth2] scopes?)"
            )
        _write_private(self.settings.token_file, json.dumps(record, indent=1))
        return access

    def _load(self, missing_ok: bool) -> dict[str, Any]:
        path = self.settings.token_file
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            if missing_ok:
                return {}
            raise TokenError(
                f"no OAuth2 token for {self.account} ({path} does not exist): run `{LOGIN_COMMAND}`"
            ) from None
        except (OSError, ValueError) as exc:
            raise TokenError(f"cannot read the token file {path}: {exc}") from None
        return data if isinstance(data, dict) else {}

    def _call(self, url: str, form: dict[str, str], what: str) -> dict[str, Any]:
        answer = self._post(url, form)
        if answer.get("error"):
            raise TokenError(f"the {what} request failed: {_error_text(answer)}")
        return answer


def _post_form(url: str, form: dict[str, str]) -> dict[str, Any]:
    """POST a form, return the JSON answer; OAuth errors (HTTP 400 with a JSON body) are answers
    too, the caller reads `error`. Network failures become TokenError."""
    body = urllib.parse.urlencode(form).encode("ascii")
    request = urllib.request.Request(
        url, data=body, headers={"Accept": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=_HTTP_TIMEOUT) as response:  # noqa: S310
            text = response.read()
    except urllib.error.HTTPError as exc:
        text = exc.read()
        if not text:
            raise TokenError(f"the identity provider answered HTTP {exc.code} at {url}") from None
    except (OSError, ValueError) as exc:
        raise TokenError(f"cannot reach the identity provider at {url}: {exc}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise TokenError(f"the identity provider at {url} did not answer JSON") from None
    return data if isinstance(data, dict) else {"error": "invalid_response"}


def _error_text(answer: dict[str, Any]) -> str:
    # error_description can be a page of text (Microsoft's quotes trace ids): its first line.
    description = str(answer.get("error_description") or "").strip().splitlines()
    return f"{answer.get('error')}" + (f": {description[0][:200]}" if description else "")


def _instant(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _write_private(path: Path, text: str) -> None:
    """Write 0600 (created so, never widened), atomically: a crash leaves the old token whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
