"""MailRig: a private Dovecot (IMAP, IMAPS, LMTP) and an aiosmtpd SMTP server on loopback.

    with MailRig() as rig:
        office = rig.new_office()                 # pengaduan-N, desk-N, sekretaris-N, ...
        rig.append(office.pengaduan, raw_bytes)   # put a complaint in the INBOX
        rig.smtp.fail(451, times=2)               # the next two RCPTs are deferred
        rig.wait_for_captured(1)                  # a reporter (outside dumas.test) got mail

Used by the pytest fixture `mail_rig` (tests/conftest.py), the demo and the bench scripts.
Everything lives in one temporary folder that is removed on stop (unless `keep=True` or
$DUMAS_RIG_KEEP is set, for looking at the logs and Maildirs after a failure).

The API at a glance (a "user" argument is a MailUser, a full address, or a bare local part):
- users: new_user(prefix), new_staff(), new_office(), address(user, tag=None)
- mailboxes (imap.py): connect(user, security), append, append_many, messages, fetch, uids,
  count, flags, wait_for_messages, mark_seen, uidvalidity, reset_uidvalidity
- IMAP server: stop_imap(), start_imap(), imap_running, log_tail()
- SMTP server (smtp.py, also as `rig.smtp`): send, deliver, captured, wait_for_captured,
  clear_captured, envelopes, refusals, fail_smtp, clear_smtp_failures, stop_smtp, start_smtp
- a Dumas config pointing here: tests.rig.write_config(rig, folder, user, roles, ...)
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import smtplib
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .dovecot import Dovecot, DovecotPorts, mail_owner
from .imap import MailboxHelpers, MailUser, UserLike
from .net import HOST, free_ports
from .oauth2 import OAuthServer
from .smtp import Envelope, FailureRule, Refusal, SmtpServer
from .tls import make_certificates

DOMAIN = "dumas.test"
PASSWORD = "rahasia-uji-123"
STAFF_ROLES = ("desk", "sekretaris", "hukum", "ketua")


@dataclass(frozen=True)
class OfficeMailboxes:
    """A complete set of fresh mailboxes: the complaints mailbox and one per SOP role."""

    pengaduan: MailUser
    staff: dict[str, MailUser]

    @property
    def roles(self) -> dict[str, list[str]]:
        """{role: [address]} — the shape of the config's [roles] table."""
        return {role: [user.address] for role, user in self.staff.items()}

    def __getattr__(self, role: str) -> MailUser:
        try:
            return self.__dict__["staff"][role]
        except KeyError:
            raise AttributeError(role) from None


class MailRig(MailboxHelpers):
    """Start with `start()` or `with MailRig() as rig:`; stop with `stop()`.

    Attributes once started: `host`, `imap_port` (plain + STARTTLS), `imaps_port`, `lmtp_port`,
    `smtp_port` (plain + STARTTLS), `smtps_port`, `ca_file` (the CA that signed the servers'
    certificate), `root` (the rig's folder), `domain`, `password` (every user's password).
    """

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        *,
        domain: str = DOMAIN,
        password: str = PASSWORD,
        keep: bool | None = None,
    ) -> None:
        self.domain, self.password, self.host = domain, password, HOST
        self._given_root = Path(root) if root else None
        self.keep = bool(os.environ.get("DUMAS_RIG_KEEP")) if keep is None else keep
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.root: Path | None = None
        self.dovecot: Dovecot | None = None
        self.smtp: SmtpServer | None = None
        self.oauth2: OAuthServer | None = None  # the identity provider (oauth2.py)

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> MailRig:
        if self.dovecot is not None:
            return self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        if self._given_root:
            self._given_root.mkdir(parents=True, exist_ok=True)
            self.root = self._given_root
        else:
            self.root = Path(tempfile.mkdtemp(prefix="dumas-rig-"))
        self.tls = make_certificates(self.root / "tls")
        imap, imaps, lmtp, smtp, smtps = free_ports(5)
        self.oauth2 = OAuthServer().start(self.tls)
        self.dovecot = Dovecot(self.root, DovecotPorts(imap, imaps, lmtp), self.tls, mail_owner())
        self.dovecot.oauth2_url = self.oauth2.url
        self.dovecot.prepare()
        self.dovecot.start()
        self.smtp = SmtpServer(
            smtp,
            smtps,
            self.tls,
            self.domain,
            lmtp,
            is_user=self.dovecot.has_user,
            check_login=self._check_login,
            check_token=lambda user, token: self.oauth2.active_user(token) == user.lower(),
        )
        self.smtp.start()

    def stop(self) -> None:
        """Stop both servers (no Dovecot process survives) and remove the folder unless kept."""
        try:
            if self.smtp is not None:
                self.smtp.stop()
        finally:
            if self.dovecot is not None:
                self.dovecot.stop()
            if self.oauth2 is not None:
                self.oauth2.stop()
            self.smtp = self.dovecot = self.oauth2 = None
            if self.root is not None and not self.keep and self._given_root is None:
                shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> MailRig:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def imap_port(self) -> int:
        return self.dovecot.ports.imap

    @property
    def imaps_port(self) -> int:
        return self.dovecot.ports.imaps

    @property
    def lmtp_port(self) -> int:
        return self.dovecot.ports.lmtp

    @property
    def smtp_port(self) -> int:
        return self.smtp.port

    @property
    def smtps_port(self) -> int:
        return self.smtp.ssl_port

    @property
    def ca_file(self) -> Path:
        return self.tls.ca_file

    def log_tail(self, lines: int = 40) -> str:
        """The end of Dovecot's log, for failure messages."""
        return self.dovecot.log_tail(lines)

    # --- users --------------------------------------------------------------------------------

    def new_user(self, prefix: str = "user") -> MailUser:
        """A fresh, empty mailbox `prefix-N@dumas.test` (N unique in this rig), usable at once
        for IMAP login and for delivery (SMTP/LMTP), with the rig's password."""
        return self._add_user(f"{_slug(prefix)}-{next(self._counter)}")

    def new_staff(self) -> dict[str, MailUser]:
        """Fresh mailboxes `desk-N`, `sekretaris-N`, `hukum-N`, `ketua-N` (one N for all)."""
        n = next(self._counter)
        return {role: self._add_user(f"{role}-{n}") for role in STAFF_ROLES}

    def new_office(self) -> OfficeMailboxes:
        """`pengaduan-N` plus `new_staff()` with the same N: one test's whole office."""
        n = next(self._counter)
        return OfficeMailboxes(
            pengaduan=self._add_user(f"pengaduan-{n}"),
            staff={role: self._add_user(f"{role}-{n}") for role in STAFF_ROLES},
        )

    def _add_user(self, local: str) -> MailUser:
        user = MailUser(f"{local}@{self.domain}", self.password)
        self.dovecot.add_user(user.address, user.password)
        return user

    def _check_login(self, login: str, password: str) -> bool:
        return self.dovecot.has_user(login) and password == self.password

    # --- IMAP server up and down --------------------------------------------------------------

    @property
    def imap_running(self) -> bool:
        return self.dovecot.running

    def stop_imap(self) -> None:
        """Take Dovecot down (IMAP, IMAPS and LMTP: connections are refused). Mail kept."""
        self.dovecot.stop()

    def start_imap(self) -> None:
        """Bring Dovecot back on the same ports, with the same users and mail."""
        self.dovecot.start()

    # --- SMTP ---------------------------------------------------------------------------------

    def stop_smtp(self) -> None:
        """SMTP down: connections to smtp_port/smtps_port are refused until `start_smtp()`."""
        self.smtp.stop()

    def start_smtp(self) -> None:
        self.smtp.start()

    def fail_smtp(
        self,
        code: int = 451,
        *,
        recipients: Iterable[str] | None = None,
        stage: str = "rcpt",
        times: int | None = None,
        message: str | None = None,
    ) -> FailureRule:
        """Inject an SMTP failure; see `SmtpServer.fail` (4xx temporary, 5xx permanent)."""
        return self.smtp.fail(
            code, recipients=recipients, stage=stage, times=times, message=message
        )

    def clear_smtp_failures(self) -> None:
        self.smtp.clear_failures()

    def captured(self, to: str | None = None) -> list[Envelope]:
        """Accepted messages for recipients outside the rig's domain, in order."""
        return self.smtp.captured(to)

    def wait_for_captured(
        self, match: int | Callable[[Envelope], bool] = 1, timeout: float = 10.0, count: int = 1
    ) -> list[Envelope]:
        """Wait for captured mail; see `SmtpServer.wait_for_captured`."""
        return self.smtp.wait_for_captured(match, timeout, count)

    def clear_captured(self) -> None:
        self.smtp.clear_captured()

    def envelopes(self) -> list[Envelope]:
        """Every message the SMTP server accepted (local and external), in order."""
        return self.smtp.envelopes()

    def refusals(self) -> list[Refusal]:
        return self.smtp.refusals()

    def send(
        self,
        mail_from: str,
        to: Iterable[UserLike] | UserLike,
        raw: bytes,
        *,
        security: str = "plain",
        login: tuple[str, str] | None = None,
    ) -> dict:
        """Submit `raw` through the rig's SMTP server like a mail client (e.g. a staff reply)."""
        rcpts = [to] if isinstance(to, (str, MailUser)) else list(to)
        return self.smtp.submit(
            mail_from,
            [self.address(r) if isinstance(r, MailUser) else r for r in rcpts],
            raw,
            security=security,
            login=login,
        )

    def deliver(self, to: UserLike, raw: bytes, mail_from: str = "sender@example.org") -> None:
        """Deliver `raw` straight into Dovecot over LMTP (no SMTP, no capture). `to` may be a
        plus-address; Dovecot records it in the Delivered-To header."""
        rcpt = to if isinstance(to, str) and "@" in to else self.address(to)
        with smtplib.LMTP(HOST, self.lmtp_port, timeout=30) as lmtp:
            lmtp.sendmail(mail_from, [rcpt], raw)


def _slug(prefix: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", prefix.lower()).strip("-.")
    return slug or "user"
