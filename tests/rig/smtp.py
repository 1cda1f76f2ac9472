"""The rig's SMTP server (aiosmtpd): local mail goes on to Dovecot over LMTP, the rest is captured.

Recipients on the rig's domain are checked at RCPT (unknown users get 550) and delivered over LMTP
at DATA, one LMTP transaction per recipient (smtplib reads a single reply after DATA, while LMTP
sends one per recipient). Every other recipient is captured in memory for assertions. Failures can
be injected per recipient or for everything, at MAIL, RCPT or DATA, for a number of times or until
cleared. The server can be stopped and started again on the same ports.

Two listeners share one handler: `port` (plain, STARTTLS offered) and `ssl_port` (implicit TLS).
AUTH PLAIN/LOGIN is offered (also without TLS, loopback only) but never required.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import email
import email.policy
import smtplib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from .net import HOST
from .tls import TlsFiles

STAGES = ("mail", "rcpt", "data")


@dataclass(frozen=True)
class Envelope:
    """One message the SMTP server accepted (250 after DATA)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]  # every accepted recipient, as given in RCPT TO
    local: tuple[str, ...]  # delivered into Dovecot over LMTP
    external: tuple[str, ...]  # captured here
    data: bytes  # the raw bytes as received
    login: str | None  # the AUTH identity, if the client authenticated
    tls: bool  # STARTTLS or implicit TLS was in use

    @property
    def message(self) -> EmailMessage:
        """The message parsed with the modern email policy (headers decoded)."""
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass(frozen=True)
class Refusal:
    """A command the server refused (injected failure, unknown user or LMTP trouble)."""

    stage: str
    mail_from: str
    address: str | None  # the recipient at RCPT; None at MAIL and DATA
    reply: str


@dataclass
class FailureRule:
    code: int
    message: str
    stage: str
    recipients: frozenset[str] | None  # None: everything
    remaining: int | None  # None: until cleared

    @property
    def reply(self) -> str:
        enhanced = "4.3.0" if self.code < 500 else "5.7.1"
        return f"{self.code} {enhanced} {self.message}"

    def matches(self, addresses: Iterable[str]) -> bool:
        return self.recipients is None or any(a.lower() in self.recipients for a in addresses)


@dataclass
class _Record:
    envelopes: list[Envelope] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    rules: list[FailureRule] = field(default_factory=list)


class SmtpServer:
    """aiosmtpd on loopback that relays the rig's domain to LMTP and captures everything else."""

    def __init__(
        self,
        port: int,
        ssl_port: int,
        tls: TlsFiles,
        domain: str,
        lmtp_port: int,
        is_user: Callable[[str], bool],
        check_login: Callable[[str, str], bool],
        check_token: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.port, self.ssl_port, self.tls, self.domain = port, ssl_port, tls, domain.lower()
        self.lmtp_port = lmtp_port
        self._is_user, self._check_login = is_user, check_login
        # AUTH XOAUTH2: (user, access token) -> accepted; the rig asks its identity provider.
        self.check_token = check_token or (lambda user, token: False)
        self.oauthbearer_offered = True  # EHLO lists OAUTHBEARER beside XOAUTH2 (as Dovecot)
        self.oauth2_logins: list[str] = []  # the mechanism of each accepted token login
        self._record = _Record()
        self._changed = threading.Condition()
        self._controllers: list[Controller] = []

    # --- life cycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self._controllers)

    def start(self) -> None:
        """Listen on both ports (again, after `stop`). Returns once connections are accepted."""
        if self.running:
            return
        common = dict(
            hostname=HOST,
            server_hostname="smtp.dumas.test",
            ready_timeout=10,
            authenticator=self._authenticate,
            auth_require_tls=False,
            data_size_limit=100 * 1024 * 1024,
            enable_SMTPUTF8=True,
        )
        plain = Controller(
            _Handler(self), port=self.port, tls_context=self.tls.server_context(), **common
        )
        implicit = Controller(
            _Handler(self), port=self.ssl_port, ssl_context=self.tls.server_context(), **common
        )
        try:
            for controller in (plain, implicit):
                controller.start()
                self._controllers.append(controller)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop listening: clients now get 'connection refused' until `start`."""
        while self._controllers:
            self._controllers.pop().stop()

    # --- failure injection --------------------------------------------------------------------

    def fail(
        self,
        code: int = 451,
        *,
        recipients: Iterable[str] | None = None,
        stage: str = "rcpt",
        times: int | None = None,
        message: str | None = None,
    ) -> FailureRule:
        """Answer `code` (4xx temporary, 5xx permanent) instead of accepting.

        `recipients`: only these addresses (case-insensitive; at DATA the rule fires when any
        recipient of the message matches); None means everything. `stage`: "mail", "rcpt" (the
        default: per recipient, so a message to two people can half-fail) or "data". `times`: fire
        that many times, then stop (e.g. `times=2` = two failed attempts, then success); None =
        until `clear_failures()`. Rules are tried in the order added; the first match answers.
        """
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}")
        if not 400 <= code < 600:
            raise ValueError("code must be 4xx (temporary) or 5xx (permanent)")
        text = message or (
            "Try again later (rig: injected)" if code < 500 else "Rejected (rig: injected)"
        )
        wanted = None if recipients is None else frozenset(a.lower() for a in recipients)
        rule = FailureRule(code, text, stage, wanted, times)
        with self._changed:
            self._record.rules.append(rule)
        return rule

    def clear_failures(self) -> None:
        with self._changed:
            self._record.rules.clear()

    def _injected(self, stage: str, addresses: Iterable[str]) -> str | None:
        addresses = list(addresses)
        with self._changed:
            for rule in self._record.rules:
                if rule.stage == stage and rule.matches(addresses):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._record.rules.remove(rule)
                    return rule.reply
        return None

    # --- records ------------------------------------------------------------------------------

    def envelopes(self) -> list[Envelope]:
        """Every accepted message, local and external, in the order accepted."""
        with self._changed:
            return list(self._record.envelopes)

    def captured(self, to: str | None = None) -> list[Envelope]:
        """Accepted messages with at least one non-local recipient (optionally: this one)."""
        want = to.lower() if to else None
        return [
            e
            for e in self.envelopes()
            if e.external and (want is None or want in (a.lower() for a in e.external))
        ]

    def refusals(self) -> list[Refusal]:
        with self._changed:
            return list(self._record.refusals)

    def clear_captured(self) -> None:
        """Forget all envelopes and refusals (failure rules stay)."""
        with self._changed:
            self._record.envelopes.clear()
            self._record.refusals.clear()

    def wait_for_captured(
        self, match: int | Callable[[Envelope], bool] = 1, timeout: float = 10.0, count: int = 1
    ) -> list[Envelope]:
        """Block until enough captured messages exist, and return them.

        `match` as an int N: wait for at least N captured messages, return all captured. As a
        predicate: wait until at least `count` captured messages satisfy it, return those.
        Raises TimeoutError listing what was captured instead.
        """
        if isinstance(match, int):
            match, count = (lambda e: True), match
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [e for e in self.captured() if match(e)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [
                        (e.mail_from, e.external, e.message["Subject"]) for e in self.captured()
                    ]
                    raise TimeoutError(
                        f"waited {timeout}s for {count} captured message(s); captured: {seen}"
                    )
                self._changed.wait(left)

    def _add(self, item: Envelope | Refusal) -> None:
        with self._changed:
            target = self._record.envelopes if isinstance(item, Envelope) else self._record.refusals
            target.append(item)
            self._changed.notify_all()

    # --- client side --------------------------------------------------------------------------

    def submit(
        self,
        mail_from: str,
        rcpt_tos: Iterable[str],
        data: bytes,
        *,
        security: str = "plain",
        login: tuple[str, str] | None = None,
    ) -> dict:
        """Send a message through this server as a mail client would (smtplib); return the
        refused-recipients dict. `security`: "plain", "starttls" or "ssl"."""
        context = self.tls.client_context()
        if security == "ssl":
            client = smtplib.SMTP_SSL(HOST, self.ssl_port, context=context, timeout=30)
        else:
            client = smtplib.SMTP(HOST, self.port, timeout=30)
        with client:
            if security == "starttls":
                client.starttls(context=context)
            if login:
                client.login(*login)
            return client.sendmail(mail_from, list(rcpt_tos), data)

    # --- policy used by the handler -----------------------------------------------------------

    def is_local(self, address: str) -> bool:
        return address.rpartition("@")[2].lower() == self.domain

    def local_user_exists(self, address: str) -> bool:
        local, _, domain = address.rpartition("@")
        return self._is_user(f"{local.split('+', 1)[0]}@{domain}")

    def deliver_local(self, mail_from: str, rcpt: str, data: bytes, smtputf8: bool) -> None:
        """One LMTP transaction per recipient; raises smtplib/OS errors."""
        options = ["SMTPUTF8"] if smtputf8 else []
        with smtplib.LMTP(HOST, self.lmtp_port, timeout=30) as lmtp:
            lmtp.sendmail(mail_from, [rcpt], data, mail_options=options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            if self._check_login(login, auth_data.password.decode("utf-8", "replace")):
                return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)


def _sasl_fields(args: list[str]) -> dict[str, str] | None:
    """The ^A-separated key=value pairs of an initial response (the GS2 header under "")."""
    try:
        text = base64.b64decode(args[1], validate=True).decode("utf-8")
    except (IndexError, ValueError, binascii.Error):
        return None
    fields: dict[str, str] = {}
    for part in text.split("\x01"):
        key, sep, value = part.partition("=")
        if part.startswith(("n,", "y,", "p=")):  # OAUTHBEARER's GS2 header
            fields[""] = part
        elif sep:
            fields[key] = value
    return fields


class _Handler:
    """aiosmtpd hooks; all decisions and records live in the SmtpServer."""

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        """EHLO as aiosmtpd writes it, less OAUTHBEARER while `oauthbearer_offered` is off (a
        server that knows only XOAUTH2, as Microsoft 365)."""
        session.host_name = hostname
        if self.s.oauthbearer_offered:
            return responses
        return [r.replace(" OAUTHBEARER", "") if r.startswith("250-AUTH") else r for r in responses]

    async def auth_XOAUTH2(self, server, args) -> AuthResult:  # noqa: N802 - aiosmtpd's name
        """AUTH XOAUTH2 with the initial response on the command line (smtplib, Outlook do):
        base64 of `user=U^Aauth=Bearer T^A^A`."""
        fields = _sasl_fields(args)
        if fields is None:
            return AuthResult(success=False, handled=False)
        user = fields.get("user", "")
        token = fields.get("auth", "").removeprefix("Bearer ")
        if user and token and self.s.check_token(user, token):
            self.s.oauth2_logins.append("XOAUTH2")
            return AuthResult(success=True, auth_data=user)
        return AuthResult(success=False, handled=False)

    async def auth_OAUTHBEARER(self, server, args) -> AuthResult:  # noqa: N802 - aiosmtpd's name
        """AUTH OAUTHBEARER (RFC 7628): base64 of `n,a=U,^Ahost=H^Aport=P^Aauth=Bearer T^A^A`. A
        refused token gets the RFC's error challenge, which the client must answer with ^A."""
        fields = _sasl_fields(args)
        if fields is None:
            return AuthResult(success=False, handled=False)
        gs2 = fields.get("", "").split(",")
        user = next((p[2:] for p in gs2 if p.startswith("a=")), "")
        user = user.replace("=2C", ",").replace("=3D", "=")
        token = fields.get("auth", "").removeprefix("Bearer ")
        if user and token and self.s.check_token(user, token):
            self.s.oauth2_logins.append("OAUTHBEARER")
            return AuthResult(success=True, auth_data=user)
        status = b'{"status":"invalid_token","schemes":"bearer","scope":"mail"}'
        answer = await server.challenge_auth(status)
        if answer != b"\x01":
            self.s.oauth2_logins.append("OAUTHBEARER: bad answer to the error challenge")
        return AuthResult(success=False, handled=False)

    def __init__(self, server: SmtpServer) -> None:
        self.s = server

    def _refuse(self, stage: str, envelope, address: str | None, reply: str) -> str:
        self.s._add(Refusal(stage, envelope.mail_from or "", address, reply))
        return reply

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        envelope.mail_from, envelope.mail_options = address, list(mail_options)
        reply = self.s._injected("mail", [])
        return self._refuse("mail", envelope, None, reply) if reply else "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.s._injected("rcpt", [address])
        if reply:
            return self._refuse("rcpt", envelope, address, reply)
        if self.s.is_local(address) and not self.s.local_user_exists(address):
            return self._refuse(
                "rcpt", envelope, address, f"550 5.1.1 <{address}> User doesn't exist"
            )
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = self.s._injected("data", envelope.rcpt_tos)
        if reply:
            return self._refuse("data", envelope, None, reply)
        data = envelope.original_content or envelope.content
        local = tuple(a for a in envelope.rcpt_tos if self.s.is_local(a))
        smtputf8 = "SMTPUTF8" in (o.upper() for o in envelope.mail_options)
        loop = asyncio.get_running_loop()
        # Like a real relay that fails half-way: recipients delivered before a failing one keep
        # their copy, and the client's retry delivers it again to them.
        for rcpt in local:
            try:
                await loop.run_in_executor(
                    None, self.s.deliver_local, envelope.mail_from, rcpt, data, smtputf8
                )
            except (smtplib.SMTPException, OSError) as exc:
                permanent = _smtp_code(exc) >= 500
                return self._refuse(
                    "data",
                    envelope,
                    None,
                    f"{554 if permanent else 451} LMTP delivery to {rcpt} failed: {exc}",
                )
        self.s._add(
            Envelope(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                local=local,
                external=tuple(a for a in envelope.rcpt_tos if a not in local),
                data=data,
                login=session.auth_data if session.authenticated else None,
                tls=server.transport.get_extra_info("ssl_object") is not None,
            )
        )
        return "250 OK"


def _smtp_code(exc: Exception) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min(code for code, _ in exc.recipients.values())
    return getattr(exc, "smtp_code", 451) if isinstance(exc, smtplib.SMTPResponseException) else 451
