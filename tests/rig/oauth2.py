"""A small OAuth 2.0 identity provider for the rig: device authorization (RFC 8628), token
(device_code and refresh_token grants) and introspection (RFC 7662) endpoints, on loopback.

Dumas signs in through msal, which takes any OpenID Connect provider (`oidc_authority`) but only
over https: started with the rig's TLS files, the server also listens on https and `authority`
(`https://127.0.0.1:port/rig`) serves `/.well-known/openid-configuration`, `/device` and
`/token` there. Tokens carry an `id_token` (unsigned: msal only reads its claims, to name the
account in its token cache). Plain http stays for Dovecot's introspection and google-auth.

Dovecot's `oauth2` passdb asks `/introspect` whether an access token is active and whose it is,
so the rig's IMAP accepts XOAUTH2 / OAUTHBEARER logins with the tokens issued here. A device code
is approved at once for `approve_as` (no person in a test). Switches for the tests:
`expire_access_tokens()` (every access token issued so far stops working, as at its expiry), and
`revoke(user)` (the refresh tokens are refused with `invalid_grant`, as after a revoked consent).
Token lifetimes are read on `clock` (seconds), which a test may replace.

Google Workspace's service accounts: `new_service_account(folder, mailboxes)` makes an RSA key
pair, writes the JSON key file a Workspace admin would download (0600, its `token_uri` pointing
here) and lets that account act for `mailboxes` (domain-wide delegation). The token endpoint then
takes the JWT-bearer grant (RFC 7523) as Google's does: the assertion's RS256 signature is checked
against the account's public key, `iss`, `aud` (Google's token URL, whatever `token_uri` says),
`scope`, `iat`/`exp` and a delegated `sub`; the access token it issues is `sub`'s, which Dovecot's
introspection accepts. Switches: `revoke_delegation(email, mailbox)` (Google then answers
`unauthorized_client`) and `disable_key(email)` (`invalid_grant`, "Invalid JWT Signature.").
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .net import HOST
from .tls import TlsFiles

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # google-auth's `aud`, always
GMAIL_SCOPE = "https://mail.google.com/"


@dataclass
class _ServiceAccount:
    email: str
    key_id: str
    public_key: rsa.RSAPublicKey
    mailboxes: set[str]
    key_enabled: bool = True


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
        self._accounts: dict[str, _ServiceAccount] = {}  # client_email -> account
        self.counts = {
            "device": 0,
            "device_code": 0,
            "refresh_token": 0,
            "jwt_bearer": 0,
            "introspect": 0,
        }
        self._server: ThreadingHTTPServer | None = None
        self._tls_server: ThreadingHTTPServer | None = None

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

    def new_service_account(self, folder: Path, mailboxes: list[str]) -> Path:
        """A Workspace service account allowed to act for `mailboxes`; returns its key file."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = "dumas-" + secrets.token_hex(3)
        email = f"{name}@dumas-rig.iam.gserviceaccount.com"
        key_id = secrets.token_hex(20)
        with self._lock:
            self._accounts[email] = _ServiceAccount(
                email, key_id, key.public_key(), {m.lower() for m in mailboxes}
            )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")
        info = {
            "type": "service_account",
            "project_id": "dumas-rig",
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": email,
            "client_id": str(secrets.randbelow(10**20)),
            "auth_uri": f"{self.url}/auth",
            "token_uri": f"{self.url}/token",
        }
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(info, out, indent=2)
        return path

    def revoke_delegation(self, email: str, mailbox: str) -> None:
        """The admin removes the delegation: no new token, and the issued ones stop working."""
        with self._lock:
            self._accounts[email].mailboxes.discard(mailbox.lower())
            for access in self._access.values():
                if access.user == mailbox.lower():
                    access.active = False

    def disable_key(self, email: str) -> None:
        with self._lock:
            self._accounts[email].key_enabled = False

    def active_user(self, token: str) -> str | None:
        """Whose active access token this is (the rig's SMTP server asks, as Dovecot does)."""
        status, data = self.answer("/introspect", {"token": token})
        return data.get("username") if data.get("active") else None

    # --- process ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://{HOST}:{self._server.server_address[1]}"

    @property
    def authority(self) -> str:
        """The OpenID Connect issuer msal is given (`[oauth2] authority`): https only."""
        assert self._tls_server is not None, "started without TLS files"
        return f"https://{HOST}:{self._tls_server.server_address[1]}/rig"

    def start(self, tls: TlsFiles | None = None) -> OAuthServer:
        server = ThreadingHTTPServer((HOST, 0), _handler(self))
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, name="rig-oauth2", daemon=True).start()
        if tls is not None:
            secure = ThreadingHTTPServer((HOST, 0), _handler(self))
            secure.daemon_threads = True
            secure.socket = tls.server_context().wrap_socket(secure.socket, server_side=True)
            self._tls_server = secure
            threading.Thread(target=secure.serve_forever, name="rig-oauth2s", daemon=True).start()
        return self

    def stop(self) -> None:
        for server in (self._server, self._tls_server):
            if server is not None:
                server.shutdown()
                server.server_close()
        self._server = self._tls_server = None

    # --- endpoints ----------------------------------------------------------------------------

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, dict]:
        path = path.removeprefix("/rig")  # the https authority's own paths
        if path == "/.well-known/openid-configuration":
            return 200, self._openid_configuration()
        with self._lock:
            if path == "/device":
                return self._device(form)
            if path == "/token":
                return self._token(form)
            if path == "/introspect":
                return self._introspect(form)
        return 404, {"error": "not_found"}

    def _openid_configuration(self) -> dict:
        issuer = self.authority
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "device_authorization_endpoint": f"{issuer}/device",
            "token_endpoint": f"{issuer}/token",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["none"],
            "grant_types_supported": [
                "urn:ietf:params:oauth:grant-type:device_code",
                "refresh_token",
            ],
        }

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
            return 200, self._issue(user, refresh=None, client_id=form.get("client_id", ""))
        if grant == "refresh_token":
            self.counts["refresh_token"] += 1
            old = form.get("refresh_token", "")
            user = self._refresh.pop(old, None)
            if user is None:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "The refresh token was revoked.",
                }
            return 200, self._issue(user, refresh=old, client_id=form.get("client_id", ""))
        if grant == JWT_BEARER:
            self.counts["jwt_bearer"] += 1
            return self._jwt_bearer(form.get("assertion", ""))
        return 400, {"error": "unsupported_grant_type"}

    def _jwt_bearer(self, assertion: str) -> tuple[int, dict]:
        """Google's token endpoint for a service account's signed assertion (RFC 7523)."""
        try:
            head_b64, claims_b64, signature_b64 = assertion.split(".")
            head = json.loads(_unb64(head_b64))
            claims = json.loads(_unb64(claims_b64))
            signature = _unb64(signature_b64)
        except ValueError:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT."}
        account = self._accounts.get(str(claims.get("iss")))
        if account is None or head.get("alg") != "RS256" or head.get("kid") != account.key_id:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        try:
            account.public_key.verify(
                signature,
                f"{head_b64}.{claims_b64}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        if not account.key_enabled:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        now = self.clock()
        iat, exp = claims.get("iat"), claims.get("exp")
        if (
            not isinstance(iat, int)
            or not isinstance(exp, int)
            or not iat - 300 <= now < exp
            or exp - iat > 3600
        ):
            return 400, {
                "error": "invalid_grant",
                "error_description": "Invalid JWT: Token must be a short-lived token (60 "
                "minutes) and in a reasonable timeframe.",
            }
        if claims.get("aud") != GOOGLE_TOKEN_AUDIENCE:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT audience."}
        mailbox = str(claims.get("sub") or "").lower()
        if claims.get("scope") != GMAIL_SCOPE or mailbox not in account.mailboxes:
            return 401, {
                "error": "unauthorized_client",
                "error_description": "Client is unauthorized to retrieve access tokens using "
                "this method, or client not authorized for any of the scopes requested.",
            }
        access = "rig-sa-" + secrets.token_urlsafe(24)
        self._access[access] = _Access(mailbox, now + self.lifetime)
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": self.lifetime}

    def _issue(self, user: str, refresh: str | None, client_id: str) -> dict:
        access = "rig-at-" + secrets.token_urlsafe(24)
        now = self.clock()
        self._access[access] = _Access(user, now + self.lifetime)
        # Rotated on each refresh, as Microsoft does: the client must keep the newest.
        new_refresh = "rig-rt-" + secrets.token_urlsafe(24)
        self._refresh[new_refresh] = user
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.lifetime,
            "refresh_token": new_refresh,
            "scope": "mail",
            "id_token": _unsigned_jwt(
                {
                    "iss": self.authority if self._tls_server else self.url,
                    "sub": user,
                    "aud": client_id,
                    "iat": int(now),
                    "exp": int(now) + self.lifetime,
                    "preferred_username": user,
                }
            ),
        }

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict]:
        self.counts["introspect"] += 1
        access = self._access.get(form.get("token", ""))
        if access is None or not access.active or self.clock() >= access.expires_at:
            return 200, {"active": False}
        return 200, {"active": True, "username": access.user}


def _unsigned_jwt(claims: dict) -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode("ascii")

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _handler(server: OAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            status, data = server.answer(urllib.parse.urlsplit(self.path).path, {})
            self._send(status, data)

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
            # Dovecot's introspection_mode = "auth" would send the token as a Bearer header.
            bearer = self.headers.get("Authorization", "")
            if bearer.lower().startswith("bearer ") and "token" not in form:
                form["token"] = bearer[7:]
            status, data = server.answer(urllib.parse.urlsplit(self.path).path, form)
            self._send(status, data)

        def _send(self, status: int, data: dict) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:  # quiet: tests read counts, not logs
            pass

    return Handler
