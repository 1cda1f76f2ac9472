"""IMAP-side helpers of the rig: look into and arrange mailboxes the way another mail client would.

All reads use EXAMINE (read-only select) and BODY.PEEK[], so the rig never sets \\Seen or clears
\\Recent behind the code under test. Each helper opens its own short connection: nothing is
cached, so the helpers keep working across `stop_imap()`/`start_imap()`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import IMAPClient

from .dovecot import Dovecot
from .net import HOST, poll
from .tls import TlsFiles

SECURITY = ("plain", "starttls", "ssl")
NOW_ENV = "DUMAS_NOW"  # dumas.config.app.NOW_ENV: the instant Dumas runs at in tests and the demo
_APPENDUID_SET = re.compile(rb"\[APPENDUID \d+ ([\d:,]+)\]")


@dataclass(frozen=True)
class MailUser:
    """A mailbox on the rig: log in with `address` / `password`."""

    address: str
    password: str

    @property
    def local(self) -> str:
        return self.address.partition("@")[0]

    @property
    def domain(self) -> str:
        return self.address.partition("@")[2]

    def plus(self, tag: str) -> str:
        """The plus-address `local+tag@domain`; Dovecot delivers it to this INBOX."""
        return f"{self.local}+{tag}@{self.domain}"

    def __str__(self) -> str:
        return self.address


UserLike = MailUser | str


def dumas_now() -> datetime | None:
    """The instant Dumas is told it is ($DUMAS_NOW), or None to leave the date to Dovecot.

    Without it a test's complaint would be received "today" by the real clock while Dumas runs
    at the test's frozen instant, and its registration number would change with the day."""
    value = os.environ.get(NOW_ENV)
    return datetime.fromisoformat(value) if value else None


def _not_ahead(when: datetime | None) -> datetime | None:
    """Dovecot silently replaces an APPEND date later than its own clock (this machine's) by the
    current time: a test "running" in the future would see its mail received today."""
    if when is not None and when > datetime.now(UTC):
        raise ValueError(
            f"cannot append mail received at {when.isoformat()}: Dovecot's clock is "
            "behind it (move the wall clock too, as `make test-dates` does)"
        )
    return when


def _appended_uids(reply: bytes | tuple) -> list[int]:
    """UIDs from an `[APPENDUID <validity> <uid-set>]` reply, e.g. `1:3,7` → [1, 2, 3, 7]."""
    if isinstance(reply, tuple):  # imapclient's multiappend returns (status, [line, ...])
        reply = b" ".join(reply[1])
    found = _APPENDUID_SET.search(reply)
    if not found:
        raise RuntimeError(f"no APPENDUID in the server's reply: {reply[:200]!r}")
    uids: list[int] = []
    for part in found.group(1).decode().split(","):
        low, _, high = part.partition(":")
        uids += range(int(low), int(high or low) + 1)
    return uids


class MailboxHelpers:
    """Mixin for MailRig; needs `dovecot`, `tls`, `domain`, `password`."""

    dovecot: Dovecot
    tls: TlsFiles
    domain: str
    password: str

    def address(self, user: UserLike, tag: str | None = None) -> str:
        """The full address of `user` (a MailUser, an address, or a bare local part),
        as a plus-address `local+tag@domain` when `tag` is given."""
        if isinstance(user, MailUser):
            address = user.address
        else:
            address = user if "@" in user else f"{user}@{self.domain}"
        # Only the domain is case-folded: a plus-address token is case-sensitive.
        local, _, domain = address.partition("@")
        return f"{local}+{tag}@{domain.lower()}" if tag else f"{local}@{domain.lower()}"

    def connect(
        self, user: UserLike, security: str = "plain", *, timeout: float = 10.0
    ) -> IMAPClient:
        """A logged-in IMAPClient for `user` (use it in a `with` block: it logs out).

        `security`: "plain" (port imap_port), "starttls" (same port, upgraded and verified
        against the rig's CA) or "ssl" (imaps_port, implicit TLS, verified).
        """
        if security not in SECURITY:
            raise ValueError(f"security must be one of {SECURITY}")
        ports, context = self.dovecot.ports, self.tls.client_context()
        if security == "ssl":
            client = IMAPClient(HOST, ports.imaps, ssl=True, ssl_context=context, timeout=timeout)
        else:
            client = IMAPClient(HOST, ports.imap, ssl=False, timeout=timeout)
        try:
            if security == "starttls":
                client.starttls(context)
            client.login(self.address(user), self._password_of(user))
        except BaseException:
            client.shutdown()
            raise
        return client

    def _password_of(self, user: UserLike) -> str:
        return user.password if isinstance(user, MailUser) else self.password

    def append(
        self,
        user: UserLike,
        raw: bytes,
        folder: str = "INBOX",
        flags: Iterable[str] = (),
        when: datetime | None = None,
    ) -> int:
        """APPEND `raw` to `folder` (created if missing) and return its UID.

        `when` is the message's internal date (its time of receipt for Dumas); by default the
        instant in $DUMAS_NOW when set, else Dovecot's clock."""
        when = _not_ahead(when or dumas_now())
        with self.connect(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            reply = client.append(folder, raw, flags=tuple(flags), msg_time=when)
        (uid,) = _appended_uids(reply)
        return uid

    def append_many(
        self,
        user: UserLike,
        raws: Iterable[bytes],
        folder: str = "INBOX",
        flags: Iterable[str] = (),
        chunk: int = 500,
    ) -> list[int]:
        """APPEND many messages over one connection (MULTIAPPEND, `chunk` per command) and
        return their UIDs in order — for benchmarks that need thousands of messages. Dated like
        `append`'s default."""
        flags, uids, batch, when = tuple(flags), [], [], _not_ahead(dumas_now())
        with self.connect(user, timeout=120) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in raws:
                batch.append({"msg": raw, "flags": flags, **({"date": when} if when else {})})
                if len(batch) == chunk:
                    uids += _appended_uids(client.multiappend(folder, batch))
                    batch = []
            if batch:
                uids += _appended_uids(client.multiappend(folder, batch))
        return uids

    def count(self, user: UserLike, folder: str = "INBOX") -> int:
        """How many messages `folder` holds (STATUS; cheap even for big mailboxes)."""
        with self.connect(user) as client:
            return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])

    def uids(self, user: UserLike, folder: str = "INBOX") -> list[int]:
        with self.connect(user) as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def fetch(self, user: UserLike, folder: str = "INBOX") -> dict[int, bytes]:
        """{uid: raw bytes}, in UID order, read with BODY.PEEK[] (never marks \\Seen)."""
        with self.connect(user) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return {uid: data[uid][b"BODY[]"] for uid in sorted(data)}

    def messages(self, user: UserLike, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in `folder`, in UID order (BODY.PEEK[]: never marks \\Seen)."""
        return list(self.fetch(user, folder).values())

    def flags(self, user: UserLike, folder: str = "INBOX") -> dict[int, set[str]]:
        """{uid: {"\\\\Seen", ...}} — e.g. to assert the poller never set \\Seen."""
        with self.connect(user) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, ["FLAGS"]) if uids else {}
        return {
            uid: {f.decode() if isinstance(f, bytes) else f for f in data[uid][b"FLAGS"]}
            for uid in sorted(data)
        }

    def wait_for_messages(
        self, user: UserLike, count: int, timeout: float = 10.0, folder: str = "INBOX"
    ) -> list[bytes]:
        """Poll until `folder` holds at least `count` messages; return them all (raw)."""
        seen = [0]

        def enough() -> bool:
            seen[0] = self.count(user, folder)
            return seen[0] >= count

        try:
            poll(
                enough,
                timeout,
                f"{count} message(s) in {self.address(user)}/{folder}",
                interval=0.05,
            )
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; found {seen[0]}") from None
        return self.messages(user, folder)

    def mark_seen(self, user: UserLike, uid: int, folder: str = "INBOX") -> None:
        """Set \\Seen on one message, as staff reading it in Gmail would."""
        with self.connect(user) as client:
            client.select_folder(folder)
            client.add_flags([uid], [b"\\Seen"], silent=True)

    def uidvalidity(self, user: UserLike, folder: str = "INBOX") -> int:
        with self.connect(user) as client:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def reset_uidvalidity(self, user: UserLike, folder: str = "INBOX") -> int:
        """Give `folder` a new UIDVALIDITY, keeping every message (and its flags); return it.

        Removes Dovecot's UID list and indexes, as after a server migration or a rebuilt
        mailbox: Dovecot renumbers the messages from UID 1 under a new UIDVALIDITY (kept
        unique by its dovecot-uidvalidity file). Flags live in the Maildir file names, so
        they survive. Call it while no client has the folder selected.
        """
        old = self.uidvalidity(user, folder)
        address = self.address(user)
        maildir = self.dovecot.maildir(address, folder)
        doomed = [
            maildir / "dovecot-uidlist",
            *maildir.glob("dovecot.index*"),
            # the mailbox-list index caches STATUS (UIDVALIDITY included) for all folders
            *self.dovecot.maildir(address).glob("dovecot.list.index*"),
        ]
        for path in doomed:
            path.unlink(missing_ok=True)
        new = self.uidvalidity(user, folder)
        if new == old:
            raise RuntimeError(f"UIDVALIDITY of {address}/{folder} did not change ({old})")
        return new
