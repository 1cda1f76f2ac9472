"""The SMTP sender: the only module that imports smtplib.

`OutboxSender.drain()` sends the rows that are due, one at a time, each in its own transaction:
a row is marked sent only after the server accepted it. Temporary failures (4xx, network errors,
the server down) are retried with exponential backoff; permanent ones (5xx) give up at once, and so
does a row that keeps failing for `GIVE_UP_AFTER`. Either way the row says why (`dumas outbox list`)
and the log names the Message-ID.

Exactly once, as far as SMTP allows: a crash after the server's 250 and before our commit would
send the row again, with the same Message-ID, so receiving clients can tell it is the same message.

Attachments are streamed (issue 11 item 4): the message is written into DATA a slice at a time,
each file read from the store and base64-encoded as it goes (`notify/mime.py`), so a 20 MB email
costs about one slice of memory, not the file, its encoding and the message. smtplib's `sendmail`
wants the whole message, so `_transmit` speaks MAIL, RCPT and DATA itself on smtplib's connection.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from email.utils import make_msgid
from functools import partial
from typing import Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from dumas.notify.mime import AttachedFile, OutgoingMime, build_message
from dumas.notify.outbox import ATTACHMENTS_MAX_BYTES
from dumas.workflow.clock import Clock
from dumas.workflow.errors import DeliveryError, StorageError, TokenError
from dumas.workflow.sasl import oauth2_initial_response, oauth2_mechanism, oauth2_refusal_answer
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import Document, OutboxAttachment, OutboxMessage
from dumas.workflow.tls import ServerAccess, TokenSource, tls_context

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=3)
# The emails anyone can cause by writing to the office: an office-wide hourly cap holds them.
ACKNOWLEDGEMENTS = ("tanda_terima",)


class SmtpSettings(ServerAccess, Protocol):
    """The fields of `dumas.config.settings.Smtp` we read (notify does not import config)."""

    @property
    def from_address(self) -> str: ...
    @property
    def from_name(self) -> str: ...


def smtp_connection(s: SmtpSettings) -> smtplib.SMTP:
    """Connect and log in per `[smtp]`; every failure becomes a (temporary) DeliveryError.

    Even a refused login is temporary for the rows: they wait, nothing is given up, and they go
    out once the password is fixed.
    """
    ctx = tls_context(s.tls_verify, s.ca_file)
    conn: smtplib.SMTP
    try:
        if s.security == "ssl":
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ctx)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                conn.starttls(context=ctx)
        tokens = _tokens(s)
        if tokens is not None:
            _oauth2_login(conn, s, tokens)
        elif s.username:
            conn.login(s.username, s.password)
        return conn
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"the SMTP server refused the login for {s.username} ({exc.smtp_code})", permanent=False
        ) from exc
    except TokenError as exc:  # no sign-in (revoked, never done): the rows wait for `auth login`
        raise DeliveryError(str(exc), permanent=False) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(
            f"cannot connect to the SMTP server {s.host}:{s.port}: {exc}", permanent=False
        ) from exc


def _tokens(s: SmtpSettings) -> TokenSource | None:
    # getattr: settings without OAuth2 fields (test doubles) sign in with the password.
    if getattr(s, "auth", "password") != "oauth2":
        return None
    return getattr(s, "tokens", None)


def _oauth2_login(conn: smtplib.SMTP, s: SmtpSettings, tokens: TokenSource) -> None:
    """AUTH OAUTHBEARER when the server offers it, XOAUTH2 otherwise (`workflow/sasl.py`). A
    refused token is refreshed once and tried again; a TokenError (revoked sign-in) propagates as
    it is: it says what to do."""
    conn.ehlo_or_helo_if_needed()
    mechanism = oauth2_mechanism(conn.esmtp_features.get("auth", "").split())

    def attempt(token: str) -> None:
        # smtplib base64-encodes what the callable returns and sends it with the command. A
        # refusal comes as a 334 challenge (the error as JSON) that wants the mechanism's
        # refusal answer; the server then says 535.
        def answer(challenge: bytes | None = None) -> str:
            if challenge is not None:
                return oauth2_refusal_answer(mechanism)
            return oauth2_initial_response(mechanism, s.username, token, s.host, s.port)

        conn.auth(mechanism, answer)

    log.debug("SMTP login with %s", mechanism)
    try:
        attempt(tokens.access_token())
    except smtplib.SMTPAuthenticationError:
        log.info("the SMTP server refused the OAuth2 access token; refreshing it once")
        attempt(tokens.refresh())


# `dumas doctor --send-test`: Indonesian, as everything staff receive.
TEST_SUBJECT = "Uji kirim email Dumas"
TEST_BODY = (
    "Email ini dikirim oleh `dumas doctor --send-test` untuk menguji pengiriman email "
    "layanan pengaduan melalui server SMTP yang dikonfigurasi.\n\n"
    "Jika email ini sampai, pengiriman email berfungsi. Email ini tidak perlu dibalas.\n"
)


def send_test(
    s: SmtpSettings,
    to: str,
    now: datetime,
    connect: Callable[[SmtpSettings], smtplib.SMTP] = smtp_connection,
) -> str:
    """Send one test email to `to` through `[smtp]`, built as every outbox message is (the same
    From, display name included); returns its Message-ID. Raises `DeliveryError` saying why it
    did not go. Nothing is written to the outbox."""
    row = OutboxMessage(
        kind="doctor",
        message_id=make_msgid("dumas.doctor", domain=s.from_address.rpartition("@")[2]),
        to_addrs=[to],
        cc_addrs=[],
        reply_to="",
        subject=TEST_SUBJECT,
        body_text=TEST_BODY,
        body_html="",
        in_reply_to="",
        references="",
        created_at=now,
    )
    try:
        message = build_message(row, s.from_address, s.from_name, [])
    except ValueError as exc:
        raise DeliveryError(f"cannot build the message: {exc}", permanent=True) from exc
    del message.message["X-Dumas-Outbox"]  # not an outbox row
    conn = connect(s)
    try:
        refused = _transmit(conn, s.from_address, [to], message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"recipient refused: {_codes(exc.recipients)}", permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP connection failed: {exc}", permanent=False) from exc
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            conn.quit()
    if refused:
        raise DeliveryError(f"recipient refused: {_codes(refused)}", permanent=True)
    return row.message_id


class OutboxSender:
    def __init__(
        self,
        smtp_settings: SmtpSettings,
        sessions: sessionmaker[Session],
        files: FileStore,
        clock: Clock,
        connect: Callable[[SmtpSettings], smtplib.SMTP] = smtp_connection,
        acks_per_hour: int = 0,
        attachments_max_bytes: int = ATTACHMENTS_MAX_BYTES,
    ) -> None:
        self._smtp = smtp_settings
        self._sessions = sessions
        self._files = files
        self._clock = clock
        self._connect = connect
        # At most this many acknowledgements sent in any hour (0: no cap). The rest stay pending,
        # untouched, and go in a later drain: a flood of forged complaints is delayed, not lost,
        # and the office's mail reputation is not spent on it (issue 9, "no amplification").
        self._acks_per_hour = acks_per_hour
        # The files of one message, in bytes, at most: what the applier capped when queueing,
        # now on the real sizes (a document's is known only once rendered). It also bounds what
        # one message holds in memory here.
        self._attachments_max_bytes = attachments_max_bytes
        self._connect_failures = 0
        self._down_until: datetime | None = None

    def drain(self, limit: int = 500) -> dict[str, int]:
        """Send every due row (at most `limit`); returns counts of sent / retry / failed / waiting.

        While the server is unreachable the rows are not touched (they cannot be at fault); the
        sender itself backs off exponentially before trying to connect again.
        """
        counts = {"sent": 0, "retry": 0, "failed": 0, "waiting": 0}
        due = self._due_ids(limit)
        if not due:
            return counts
        conn: smtplib.SMTP | None = None
        try:
            for done, row_id in enumerate(due):
                conn = conn or self._open()
                if conn is None:
                    counts["waiting"] = len(due) - done
                    break
                outcome = self._send_one(conn, row_id)
                counts[outcome] = counts.get(outcome, 0) + 1
                if outcome == "retry":  # the connection may be in any state after an error
                    _close(conn)
                    conn = None
        finally:
            _close(conn)
        return counts

    def _due_ids(self, limit: int) -> list[int]:
        now = self._clock.now()
        with self._sessions() as session:
            not_ready = (
                select(OutboxAttachment.outbox_id)
                .join(Document, OutboxAttachment.document_id == Document.id)
                .where(Document.status == "pending")
            )
            due = select(OutboxMessage.id).where(
                OutboxMessage.status == "pending",
                or_(
                    OutboxMessage.next_attempt_at.is_(None),
                    OutboxMessage.next_attempt_at <= now,
                ),
                OutboxMessage.id.not_in(not_ready),
            )
            if not self._acks_per_hour:
                return list(session.execute(due.order_by(OutboxMessage.id).limit(limit)).scalars())
            # Held acknowledgements are left out of the query, not cut after it: they must not
            # fill `limit` and keep the staff's mail waiting behind them.
            others = due.where(OutboxMessage.kind.not_in(ACKNOWLEDGEMENTS))
            ids = list(session.execute(others.order_by(OutboxMessage.id).limit(limit)).scalars())
            room = self._acks_per_hour - self._acks_sent_since(session, now - timedelta(hours=1))
            if room > 0:
                acks = due.where(OutboxMessage.kind.in_(ACKNOWLEDGEMENTS))
                ids += session.execute(acks.order_by(OutboxMessage.id).limit(room)).scalars()
            return sorted(ids)[:limit]

    @staticmethod
    def _acks_sent_since(session: Session, since: datetime) -> int:
        return session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.kind.in_(ACKNOWLEDGEMENTS),
                OutboxMessage.status == "sent",
                OutboxMessage.sent_at >= since,
            )
        ).scalar_one()

    def _open(self) -> smtplib.SMTP | None:
        now = self._clock.now()
        if self._down_until is not None and now < self._down_until:
            return None
        try:
            conn = self._connect(self._smtp)
        except DeliveryError as exc:
            self._connect_failures += 1
            delay = min(FIRST_RETRY * 2 ** (self._connect_failures - 1), MAX_RETRY)
            self._down_until = now + delay
            log.warning("SMTP unavailable, the outbox waits (next try in %s): %s", delay, exc)
            return None
        self._connect_failures, self._down_until = 0, None
        return conn

    def _send_one(self, conn: smtplib.SMTP, row_id: int) -> str:
        with self._sessions() as session, session.begin():
            row = session.get_one(OutboxMessage, row_id, with_for_update=True)
            if row.status != "pending":  # withdrawn since _due_ids() read it (a replaced letter)
                return "withdrawn"
            try:
                refused = self._deliver(conn, session, row)
            except DeliveryError as exc:
                return self._failed(row, str(exc), exc.permanent)
            row.status, row.sent_at = "sent", self._clock.now()
            row.attempts += 1
            row.last_error = f"refused by the server: {', '.join(refused)}" if refused else ""
            # Per message at DEBUG (the cycle logs "outbox: sent N"; the row keeps the
            # Message-ID); a partly refused message stays visible at INFO.
            log.log(
                logging.INFO if refused else logging.DEBUG,
                "sent %s (%s) to %d recipient(s)",
                row.message_id,
                row.kind,
                len(row.to_addrs) + len(row.cc_addrs) - len(refused),
            )
            return "sent"

    def _deliver(self, conn: smtplib.SMTP, session: Session, row: OutboxMessage) -> list[str]:
        try:
            files = self._files_for(session, row)
        except StorageError as exc:  # a disk problem the operator can fix: keep the row
            raise DeliveryError(str(exc), permanent=False) from exc
        try:
            message = build_message(row, self._smtp.from_address, self._smtp.from_name, files)
        except ValueError as exc:  # an address or header we cannot write: retrying will not help
            raise DeliveryError(f"cannot build the message: {exc}", permanent=True) from exc
        try:
            refused = _transmit(
                conn, self._smtp.from_address, list(row.to_addrs) + list(row.cc_addrs), message
            )
        except StorageError as exc:  # a file could not be read mid-DATA: nothing was delivered
            raise DeliveryError(str(exc), permanent=False) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"all recipients refused: {_codes(exc.recipients)}",
                permanent=all(c >= 500 for c in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP connection failed: {exc}", permanent=False) from exc
        return sorted(refused)

    def _files_for(self, session: Session, row: OutboxMessage) -> list[AttachedFile]:
        """The files of `row`, at most `attachments_max_bytes` of them, sizes checked before
        anything is read (and read only while the message is written, a slice at a time). A file left out is removed from the row, in the transaction that marks
        it sent: the outbox then says what the recipient has, and a later notification offers it
        again (`Applier._already_attached`)."""
        out, total = [], 0
        for att in list(row.attachments):
            if att.document_id is not None:
                doc = session.get_one(Document, att.document_id)  # a foreign key
                if doc.status != "rendered":  # failed for good: the mail goes without it
                    log.warning(
                        "sending %s without document %d (render failed)", row.message_id, doc.id
                    )
                    row.attachments.remove(att)
                    continue
                name, kind, key = att.filename or doc.filename, "application/pdf", doc.storage_key
            else:
                name, kind, key = att.filename, att.content_type, att.storage_key
            size = self._files.size(key)
            if total + size > self._attachments_max_bytes:
                # The id and size only: a file's name may carry personal data.
                log.warning(
                    "sending %s without attachment %d (%d bytes): over the %d-byte cap",
                    row.message_id,
                    att.id,
                    size,
                    self._attachments_max_bytes,
                )
                row.attachments.remove(att)
                continue
            total += size
            out.append(AttachedFile(name, kind, size, partial(self._files.open, key)))
        return out

    def _failed(self, row: OutboxMessage, error: str, permanent: bool) -> str:
        now = self._clock.now()
        row.attempts += 1
        row.last_error = error[:1000]
        if permanent or now - row.created_at >= GIVE_UP_AFTER:
            row.status = "failed"
            log.error(
                "gave up on %s (%s) after %d attempt(s); `dumas outbox list` says why",
                row.message_id,
                row.kind,
                row.attempts,
            )
            return "failed"
        row.next_attempt_at = now + min(FIRST_RETRY * 2 ** (row.attempts - 1), MAX_RETRY)
        log.warning("will retry %s (%s) at %s", row.message_id, row.kind, row.next_attempt_at)
        return "retry"


_LEADING_DOT = re.compile(rb"(?m)^\.")  # RFC 5321 4.5.2 dot-stuffing, as smtplib does it


def _transmit(
    conn: smtplib.SMTP, from_addr: str, to_addrs: list[str], message: OutgoingMime
) -> dict[str, tuple[int, bytes]]:
    """One SMTP transaction, as smtplib's `send_message` makes it (SIZE, SMTPUTF8 when an
    address needs it, RSET after a refusal, the same exceptions), but with the message written
    into DATA as `message.chunks()` yields it. Returns the refused recipients.

    A failure while writing the data (a file unreadable, the connection lost) closes the
    connection without the final dot: the server then discards the partial message."""
    conn.ehlo_or_helo_if_needed()
    options: list[str] = []
    utf8 = not "".join([from_addr, *to_addrs]).isascii()
    if utf8 and not conn.has_extn("smtputf8"):
        raise smtplib.SMTPNotSupportedError(
            "an address needs internationalized email (SMTPUTF8), which the server does not offer"
        )
    if conn.does_esmtp:
        if conn.has_extn("size"):
            options.append(f"size={message.size(utf8)}")
        if utf8:
            options += ["SMTPUTF8", "BODY=8BITMIME"]
    code, reply = conn.mail(from_addr, options)
    if code != 250:
        _abandon(conn, code)
        raise smtplib.SMTPSenderRefused(code, reply, from_addr)
    refused: dict[str, tuple[int, bytes]] = {}
    for addr in to_addrs:
        code, reply = conn.rcpt(addr)
        if code not in (250, 251):
            refused[addr] = (code, reply)
        if code == 421:
            conn.close()
            raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(to_addrs):
        _abandon(conn, 0)
        raise smtplib.SMTPRecipientsRefused(refused)
    conn.putcmd("data")
    code, reply = conn.getreply()
    if code != 354:
        _abandon(conn, code)
        raise smtplib.SMTPDataError(code, reply)
    try:
        _write_data(conn, message.chunks(utf8))
    except BaseException:
        conn.close()  # mid-DATA: no command can follow, and no dot must
        raise
    code, reply = conn.getreply()
    if code != 250:
        _abandon(conn, code)
        raise smtplib.SMTPDataError(code, reply)
    return refused


def _write_data(conn: smtplib.SMTP, chunks: Iterable[bytes]) -> None:
    """Write a message's lines after DATA's 354 and the final dot: dot-stuffed (a line starting
    with "." gets another), across chunk boundaries, byte for byte what smtplib's `data()` writes
    for the joined chunks."""
    at_line_start, tail = True, b""
    for chunk in chunks:
        if not chunk:
            continue
        stuffed = _LEADING_DOT.sub(b"..", chunk)
        if not at_line_start and chunk.startswith(b"."):
            stuffed = stuffed[1:]  # this chunk continues a line: its first dot is not a line's
        conn.send(stuffed)
        at_line_start = chunk.endswith(b"\n")
        tail = (tail + chunk)[-2:]
    conn.send(b".\r\n" if tail == b"\r\n" else b"\r\n.\r\n")


def _abandon(conn: smtplib.SMTP, code: int) -> None:
    """After a refusal: a 421 means the server is closing; otherwise RSET for the next row."""
    if code == 421:
        conn.close()
        return
    with contextlib.suppress(smtplib.SMTPServerDisconnected):
        conn.rset()


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            conn.quit()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _codes(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{addr} ({code})" for addr, (code, _) in recipients.items())
