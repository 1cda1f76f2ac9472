"""OAuth 2.0 sign-in for the mailbox and the SMTP server: the only module that talks to an
identity provider (through msal).

Microsoft 365 has turned basic auth off, so the office's mailbox is reached with an access token
(IMAP/SMTP XOAUTH2). `dumas auth login` runs the device authorization grant (RFC 8628): it prints a
code for a person to type at the provider's page, so it works over SSH on a headless server.
Afterwards `OAuth2Tokens.access_token()` hands out an access token, refreshed 5 minutes before it
expires, or at once when a mail server refused it (`refresh()`).

The grants are msal's (Microsoft's own library: `PublicClientApplication.initiate_device_flow` /
`acquire_token_by_device_flow`, `acquire_token_silent_with_error(force_refresh=True)`), for
Microsoft (`authority`, login.microsoftonline.com) and for any OpenID Connect provider
("generic", `oidc_authority`: the test rig's, so the rig runs the code Microsoft gets). msal's
`SerializableTokenCache` (refresh token, account) is kept inside `[oauth2] token_file`, mode 0600,
written atomically. msal reads the wall clock for expiry; Dumas never asks it whether a token is
still good: the expiry is ours (`expires_in` on the App's clock) and every refresh is forced, so the
injected clock alone decides. msal speaks HTTP through `_Transport` (urllib, our timeout, `[oauth2]
ca_file`). Google Workspace signs in with a service account instead (`serviceaccount.py`,
google-auth). A refused refresh (`invalid_grant`: consent revoked, password changed, token
expired) is one `TokenError` naming the command that fixes it.
"""

from __future__ import annotations

import json
import os
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import msal

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

_MICROSOFT = "https://login.microsoftonline.com/{tenant}"
MICROSOFT_SCOPES = (
    "offline_access",
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
)
# msal asks for these itself (and refuses them in `scopes`): OpenID sign-in and a refresh token.
_MSAL_RESERVED = frozenset({"openid", "profile", "offline_access"})
_REFUSED = ("invalid_grant", "interaction_required", "invalid_client")


@dataclass(frozen=True)
class OAuth2Settings:
    """The `[oauth2]` section, resolved: the authority filled in for the named provider."""

    provider: str
    client_id: str
    tenant: str
    scopes: tuple[str, ...]
    # Where the sign-in is kept: msal's token cache's file, or (provider "google") the service
    # account's key, `service_account`.
    token_file: Path
    # The OpenID Connect issuer msal discovers the endpoints from (https only, msal's rule).
    authority: str = ""
    # Google's token endpoint (its key file's token_uri), for `dumas auth status`.
    token_url: str = ""
    client_secret: str = ""
    # A private CA for the identity provider's certificate (the rig's); empty: the system's.
    ca_file: Path | None = None
    service_account: ServiceAccountKey | None = None


def authority_for(provider: str, tenant: str, authority: str) -> str:
    """The authority msal is given; "generic" names its own."""
    if provider == "microsoft":
        return _MICROSOFT.format(tenant=tenant or "organizations")
    return authority


@dataclass(frozen=True)
class DeviceCode:
    """What the person must do: open `verification_uri` and type `user_code`."""

    user_code: str
    verification_uri: str
    interval: float
    expires_in: float
    flow: dict[str, Any] = field(compare=False, repr=False)  # msal's, holds the device code


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
        http_client: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.account = account
        self._clock = clock or SystemClock()
        self._http = http_client or _Transport(settings.ca_file)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._access: str = ""
        self._expires_at: datetime | None = None
        self._app: msal.PublicClientApplication | None = None
        self._cache = msal.SerializableTokenCache()

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
        with self._lock:
            flow = self._msal().initiate_device_flow(scopes=self._scopes())
        if "user_code" not in flow:
            raise TokenError(f"the device authorization request failed: {_error_text(flow)}")
        try:
            return DeviceCode(
                user_code=str(flow["user_code"]),
                # Microsoft's v2 endpoint and RFC 8628 say verification_uri; some say _url.
                verification_uri=str(flow.get("verification_uri") or flow["verification_url"]),
                interval=float(flow.get("interval", 5)),
                expires_in=float(flow.get("expires_in", 900)),
                flow=flow,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TokenError(f"the device authorization answer lacks {exc}") from None

    def finish_login(self, code: DeviceCode) -> TokenStatus:
        """Poll the token endpoint until the person has approved (or refused, or time is up);
        store the tokens 0600. msal polls once per call (its exit condition is always met); the
        waiting is ours, on `sleep`, so no test waits on a real clock."""
        interval = min(max(code.interval, 1.0), 60.0)
        waited = 0.0
        limit = min(code.expires_in, LOGIN_TIMEOUT.total_seconds())
        while True:
            with self._lock:
                answer = self._msal().acquire_token_by_device_flow(
                    code.flow, exit_condition=lambda flow: True, **self._secret()
                )
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
            self._keep(answer)
        return self.status()

    def status(self) -> TokenStatus:
        saved = self._load(missing_ok=True)
        return TokenStatus(
            account=self.account,
            provider=self.settings.provider,
            access_expires_at=_instant(saved.get("expires_at")),
            has_refresh_token=bool(saved.get("refresh_token") or _msal_refresh_tokens(saved)),
            obtained_at=_instant(saved.get("obtained_at")),
        )

    def check(self) -> datetime | None:
        """Get a fresh access token (for `doctor`): its expiry, or TokenError saying what to do."""
        self.refresh()
        return self._expires_at

    # --- inside -------------------------------------------------------------------------------

    def _msal(self) -> msal.PublicClientApplication:
        """msal's client, made at first use: it fetches the provider's OpenID configuration,
        which loading the settings must not."""
        if self._app is None:
            s = self.settings
            where: dict[str, Any] = (
                {"authority": s.authority}
                if s.provider == "microsoft"
                else {"oidc_authority": s.authority}
            )
            try:
                self._app = msal.PublicClientApplication(
                    s.client_id,
                    token_cache=self._cache,
                    http_client=self._http,
                    timeout=_HTTP_TIMEOUT,
                    **where,
                )
            except ValueError as exc:
                # msal's words for an unreachable or malformed OpenID configuration.
                raise TokenError(f"the identity provider at {s.authority}: {exc}") from None
        return self._app

    def _scopes(self) -> list[str]:
        return [x for x in self.settings.scopes if x not in _MSAL_RESERVED]

    def _secret(self) -> dict[str, Any]:
        """A confidential client's secret rides along in the token requests' form (msal's
        device flow is a public client's; a provider that wants the secret reads it there)."""
        secret = self.settings.client_secret
        return {"data": {"client_secret": secret}} if secret else {}

    def _refresh_locked(self) -> str:
        s = self.settings
        saved = self._load(missing_ok=False)
        app = self._msal()
        if not self._has_refresh_token():
            legacy = str(saved.get("refresh_token") or "")
            if not legacy:
                raise TokenError(
                    f"no refresh token in {s.token_file} for {self.account}: run `{LOGIN_COMMAND}`"
                )
            # A token file written before msal: its refresh token buys msal's first entry.
            answer = app.acquire_token_by_refresh_token(legacy, self._scopes(), **self._secret())
        else:
            accounts = app.get_accounts()
            mine = [a for a in accounts if a.get("username", "").lower() == self.account.lower()]
            chosen = (mine or accounts)[:1]
            # Forced: msal would judge a cached token by the wall clock; our clock already did.
            answer = (
                app.acquire_token_silent_with_error(
                    self._scopes(), chosen[0], force_refresh=True, **self._secret()
                )
                if chosen
                else None
            )
            if answer is None:
                self._keep_cache()
                raise TokenError(
                    f"no refresh token in {s.token_file} for {self.account}: run `{LOGIN_COMMAND}`"
                )
        if answer.get("error"):
            self._keep_cache()
            if answer["error"] in _REFUSED:
                raise TokenError(
                    f"the identity provider no longer accepts the sign-in of {self.account} "
                    f"({_error_text(answer)}; consent revoked, password changed or token "
                    f"expired): run `{LOGIN_COMMAND}`"
                )
            raise TokenError(f"the token refresh failed: {_error_text(answer)}")
        return self._keep(answer)

    def _keep(self, answer: Mapping[str, Any]) -> str:
        """Remember the access token with its expiry on our clock; save msal's cache."""
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise TokenError("the identity provider's answer holds no access token")
        if not self._has_refresh_token():
            raise TokenError(
                "the identity provider gave no refresh token (does it grant `offline_access`?)"
            )
        now = self._clock.now()
        try:
            lifetime = float(answer.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._access = access
        self._expires_at = now + timedelta(seconds=lifetime)
        self._save(obtained_at=now)
        return access

    def _has_refresh_token(self) -> bool:
        rt = msal.TokenCache.CredentialType.REFRESH_TOKEN
        return any(True for _ in self._cache.search(rt))

    def _keep_cache(self) -> None:
        """After a refusal msal may have dropped the dead refresh token: say so on disk too."""
        if self._cache.has_state_changed:
            self._save(obtained_at=None)

    def _save(self, obtained_at: datetime | None) -> None:
        saved = self._load(missing_ok=True)
        record = {
            "account": self.account,
            "provider": self.settings.provider,
            "expires_at": self._expires_at.isoformat() if self._expires_at else None,
            "obtained_at": obtained_at.isoformat() if obtained_at else saved.get("obtained_at"),
            "msal": self._cache.serialize(),
        }
        _write_private(self.settings.token_file, json.dumps(record, indent=1))
        self._cache.has_state_changed = False

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
        if not isinstance(data, dict):
            return {}
        if not missing_ok and isinstance(data.get("msal"), str) and data["msal"]:
            try:
                self._cache.deserialize(data["msal"])
            except ValueError as exc:
                raise TokenError(f"cannot read the token file {path}: {exc}") from None
        return data


class _Response:
    """What msal reads of an HTTP answer (requests' names)."""

    def __init__(self, status_code: int, text: str, headers: Message | None) -> None:
        self.status_code = status_code
        self.text = text
        self.headers = dict(headers.items()) if headers is not None else {}

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise TokenError(f"the identity provider answered HTTP {self.status_code}")


class _Transport:
    """msal's `http_client`: urllib with our timeout and CA; failures become TokenError. OAuth
    errors (HTTP 400 with a JSON body) are answers too, msal reads `error`."""

    def __init__(self, ca_file: Path | None) -> None:
        self._context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)

    def post(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | str | None = None,
        headers: Mapping[str, str] | None = None,
        **_: Any,
    ) -> _Response:
        body = data if isinstance(data, str) else urllib.parse.urlencode(data or {})
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", url, params, body.encode("utf-8"), {**form, **(headers or {})})

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        **_: Any,
    ) -> _Response:
        return self._send("GET", url, params, None, dict(headers or {}))

    def close(self) -> None:
        pass

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: dict[str, str],
    ) -> _Response:
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
        if not url.startswith("https://"):
            # Tokens in clear text over the network would be the password in clear text.
            raise TokenError(f"the identity provider must be reached over https, not {url}")
        headers.setdefault("Accept", "application/json")
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(  # noqa: S310 - https only, checked above
                request, timeout=_HTTP_TIMEOUT, context=self._context
            ) as response:
                return _Response(response.status, response.read().decode("utf-8"), response.headers)
        except urllib.error.HTTPError as exc:
            return _Response(exc.code, exc.read().decode("utf-8", "replace"), exc.headers)
        except (OSError, ValueError) as exc:
            raise TokenError(f"cannot reach the identity provider at {url}: {exc}") from None


def _error_text(answer: Mapping[str, Any]) -> str:
    # error_description can be a page of text (Microsoft's quotes trace ids): its first line.
    description = str(answer.get("error_description") or "").strip().splitlines()
    return f"{answer.get('error')}" + (f": {description[0][:200]}" if description else "")


def _msal_refresh_tokens(saved: Mapping[str, Any]) -> int:
    try:
        cache = json.loads(str(saved.get("msal") or "{}"))
    except ValueError:
        return 0
    return len(cache.get("RefreshToken") or {}) if isinstance(cache, dict) else 0


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
