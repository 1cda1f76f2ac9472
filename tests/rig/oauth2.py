"""A small OAuth 2.0 identity provider for the rig: device authorization (RFC 8628), token
(device_code and refresh_token grants) and introspection (RFC 7662) endpoints, on loopback.

Dovecot's `oauth2` passdb asks `/introspect` whether an access token is active and whose it is,
so the rig's IMAP accepts XOAUTH2 / OAUTHBEARER logins with the tokens issued here. A device code
is approved at once for `approve_as` (no person in a test). Switches for the tests:
`expire_access_tokens()` (every access token issued so far stops working, as at its expiry), and
`revoke(user)` (the refresh tokens are refused with `invalid_grant`, as after a revoked consent).
Token lifetimes are read on `clock` (seconds), which a test may replace.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .net import HOST


@dataclass
class _Access:
    user: str
    expires_at: float
    active: bool = True


class OAuthServer:
    """Start with `start()`; `url` is the base (`{url}/token`, `/device`, `/introspect`)."""

    def __init__(self, clock: Callable[[], float] = time.time, lifetime: int = 3600) -> None:
        self.clock = clock
        self.lifetime = lifetime  # seconds an access token lives
        self.approve_as = ""  # who approves the next device code
        self.pending_polls = 0  # token polls answered authorization_pending before approval
        self._lock = threading.Lock()
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, str] = {}  # refresh token -> user
        self._devices: dict[str, str] = {}  # device code -> user
        self._polls: dict[str, int] = {}
        self.counts = {"device": 0, "device_code": 0, "refresh_token": 0, "introspect": 0}
        self._server: ThreadingHTTPServer | None = None

    # --- switches -----------------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        with self._lock:
            for access in self._access.values():
                access.active = False

    def revoke(self, user: str) -> None:
        with self._lock:
            self._refresh = {t: u for t, u in self._refresh.items() if u != user}
            for access in self._access.values():
                if access.user == user:
                    access.active = False

    def active_user(self, token: str) -> str | None:
        """Whose active access token this is (the rig's SMTP server asks, as Dovecot does)."""
        status, data = self.answer("/introspect", {"token": token})
        return data.get("username") if data.get("active") else None

    # --- process ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://{HOST}:{self._server.server_address[1]}"

    def start(self) -> OAuthServer:
        server = ThreadingHTTPServer((HOST, 0), _handler(self))
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, name="rig-oauth2", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- endpoints ----------------------------------------------------------------------------

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            if path == "/device":
                return self._device(form)
            if path == "/token":
                return self._token(form)
            if path == "/introspect":
                return self._introspect(form)
        return 404, {"error": "not_found"}

    def _device(self, form: dict[str, str]) -> tuple[int, dict]:
        self.counts["device"] += 1
        if not self.approve_as:
            return 400, {"error": "invalid_request", "error_description": "approve_as not set"}
        code = secrets.token_urlsafe(16)
        self._devices[code] = self.approve_as
        return 200, {
            "device_code": code,
            "user_code": "RIG-" + secrets.token_hex(2).upper(),
            "verification_uri": f"{self.url}/activate",
            "interval": 1,
            "expires_in": 600,
        }

    def _token(self, form: dict[str, str]) -> tuple[int, dict]:
        grant = form.get("grant_type", "")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            self.counts["device_code"] += 1
            code = form.get("device_code", "")
            if code not in self._devices:
                return 400, {"error": "expired_token"}
            polls = self._polls.get(code, 0)
            if polls < self.pending_polls:
                self._polls[code] = polls + 1
                return 400, {"error": "authorization_pending"}
            user = self._devices.pop(code)
            return 200, self._issue(user, refresh=None)
        if grant == "refresh_token":
            self.counts["refresh_token"] += 1
            old = form.get("refresh_token", "")
            user = self._refresh.pop(old, None)
            if user is None:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "The refresh token was revoked.",
                }
            return 200, self._issue(user, refresh=old)
        return 400, {"error": "unsupported_grant_type"}

    def _issue(self, user: str, refresh: str | None) -> dict:
        access = "rig-at-" + secrets.token_urlsafe(24)
        self._access[access] = _Access(user, self.clock() + self.lifetime)
        # Rotated on each refresh, as Microsoft does: the client must keep the newest.
        new_refresh = "rig-rt-" + secrets.token_urlsafe(24)
        self._refresh[new_refresh] = user
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "refresh_token": new_refresh,
            "scope": "mail",
        }

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict]:
        self.counts["introspect"] += 1
        access = self._access.get(form.get("token", ""))
        if access is None or not access.active or self.clock() >= access.expires_at:
            return 200, {"active": False}
        return 200, {"active": True, "username": access.user}


def _handler(server: OAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
            # Dovecot's introspection_mode = "auth" would send the token as a Bearer header.
            bearer = self.headers.get("Authorization", "")
            if bearer.lower().startswith("bearer ") and "token" not in form:
                form["token"] = bearer[7:]
            status, data = server.answer(urllib.parse.urlsplit(self.path).path, form)
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:  # quiet: tests read counts, not logs
            pass

    return Handler
