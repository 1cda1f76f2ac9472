"""One message, from fetched bytes to a committed outcome (inside the caller's batch transaction).

`store()` keeps the raw bytes and the message's identity first; `process()` parses, classifies and
hands the message to the dispatcher inside a SAVEPOINT. Whatever goes wrong in processing rolls
back to "raw stored + quarantined with the reason" and the poll goes on; `dumas replay` calls
`process()` again later. A message that cannot be decided *yet* (`MessageDeferred`: DNS did not
answer for a DKIM key) is kept under the rule `RETRY` instead, and the poller processes it again
each cycle (`deferred_ids`) until `retry_for` has passed since we first fetched it; its last
attempt then treats the trouble as final. At most `max_deferred_per_domain` messages of one
sender's organisational domain wait at a time: beyond that a message gets its last attempt at
once, so one domain whose nameservers never answer cannot fill every cycle with its retries.
A message already known by Message-ID + SHA-256 (the same message seen at
a new UID, e.g. after a UIDVALIDITY change) only gets its new location recorded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import traceback
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dumas.ingest.mail.inbound import InboundMail
from dumas.ingest.mail.parser import parse_message
from dumas.ingest.mail.senderproof import organisational_domain
from dumas.ingest.mailbox.source import FetchedMessage
from dumas.ingest.routing.rules import QUARANTINED, Verdict, classify
from dumas.workflow.errors import MessageDeferred, MessageError, where
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import MailboxLocation, RawMessage

log = logging.getLogger(__name__)

OVERSIZE = "oversize"
RETRY = "retry"  # the rule of a deferred message: processed again by the next poll
_MESSAGE_ID = re.compile(
    rb"^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE
)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class Location:
    account: str
    folder: str
    uidvalidity: int


def message_id_of(raw: bytes) -> str:
    """The Message-ID header as written, found without a full parse (identity comes first)."""
    end = _HEADER_END.search(raw)
    head = raw[: end.start()] if end else raw
    m = _MESSAGE_ID.search(head)
    if not m:
        return ""
    return b" ".join(m.group(1).split()).decode("ascii", "replace")[:998]


def message_id_key(message_id: str) -> str:
    return message_id.strip().strip("<>").strip().lower()


class Intake:
    def __init__(
        self,
        files: FileStore,
        dispatcher,
        lookup_factory,
        max_bytes: int,
        retry_for: timedelta = timedelta(hours=24),
        max_deferred_per_domain: int = 20,
    ):
        self._files = files
        self._dispatcher = dispatcher
        self._lookup_factory = lookup_factory  # session -> ThreadLookup
        self.max_bytes = max_bytes
        self.retry_for = retry_for  # how long a deferred message waits ([replies] dkim_retry_hours)
        self.max_deferred_per_domain = max_deferred_per_domain

    def ingest(
        self, session: Session, where: Location, msg: FetchedMessage, size: int, now: datetime
    ) -> str:
        """Record one fetched message (at a UID not recorded yet); return what it became
        ("duplicate" when the same message is already known from another UID)."""
        msgid = message_id_of(msg.raw)
        sha = hashlib.sha256(msg.raw).hexdigest()
        raw = session.execute(
            select(RawMessage).where(
                RawMessage.sha256 == sha, RawMessage.message_id_key == message_id_key(msgid)
            )
        ).scalar()
        if raw is not None:
            session.add(_location(where, msg.uid, raw, now))
            return "duplicate"
        key, _ = self._files.put("raw", msg.raw)  # the original bytes, before anything else
        raw = RawMessage(
            sha256=sha,
            message_id=msgid or None,
            message_id_key=message_id_key(msgid),
            size=size,
            storage_key=key,
            fetched_at=now,
            internal_date=msg.internal_date,
            disposition=QUARANTINED,
            reason="not processed yet",
            attempts=1,
        )
        session.add(_location(where, msg.uid, raw, now))
        if size > self.max_bytes:
            session.add(raw)
            self._quarantine_oversize(raw, now)
            return raw.disposition
        # Parsed before the row is written, so the row is written once with its summary (the
        # bytes are already stored, and the row commits with everything else or not at all).
        parsed = _parse(msg.raw)
        if isinstance(parsed, InboundMail):
            _summarise(raw, parsed)
        session.add(raw)
        session.flush()
        self._handle(session, raw, parsed, now)
        return raw.disposition

    def process(self, session: Session, raw: RawMessage, data: bytes, now: datetime) -> None:
        """Parse, classify and dispatch a stored message again (`dumas replay`)."""
        if raw.rule == OVERSIZE:
            return  # only its header is stored: there is nothing more to process
        raw.attempts = (raw.attempts or 0) + 1
        parsed = _parse(data)
        if isinstance(parsed, InboundMail):
            _summarise(raw, parsed)
        self._handle(session, raw, parsed, now)

    def _handle(self, session: Session, raw: RawMessage, parsed, now: datetime) -> None:
        """Classify and dispatch in the message's SAVEPOINT; on any error, quarantine it."""
        try:
            if not isinstance(parsed, InboundMail):
                raise parsed
            with session.begin_nested():
                verdict = classify(parsed, self._lookup_factory(session))
                self._dispatcher.dispatch(session, raw, parsed, verdict, now)
                _apply_verdict(raw, verdict, now)
        except MessageDeferred as exc:
            if not isinstance(parsed, InboundMail) or not (
                self._expired(raw, now) or self._domain_full(session, raw)
            ):
                self._defer(raw, exc.reason, now)
            elif not parsed.last_attempt:
                # Waited long enough: once more, with the trouble counting for good.
                self._handle(session, raw, replace(parsed, last_attempt=True), now)
            else:  # deferred even on its last attempt: a person must look, never a loop
                self._quarantine(raw, f"{exc.reason} (still after the retry period)", "", now)
        except MessageError as exc:  # our own reasons: readable, no personal data
            self._quarantine(raw, exc.reason, "", now)
            log.warning("message %s quarantined: %s", _label(raw), exc.reason[:200])
        except Exception as exc:  # noqa: BLE001 - any failure must quarantine, never stop the poll
            self._quarantine(
                raw,
                f"processing failed: {type(exc).__name__}: {exc}"[:500],
                _short_traceback(exc),
                now,
            )
            log.error("message %s quarantined: processing failed: %s", _label(raw), where(exc))

    def _expired(self, raw: RawMessage, now: datetime) -> bool:
        return now - raw.fetched_at >= self.retry_for  # fetched_at: our first sighting

    def _domain_full(self, session: Session, raw: RawMessage) -> bool:
        """Whether the sender's organisational domain already has its share of waiting messages
        (others than `raw`): a hostile domain's mail then gets no retries, everyone else's does."""
        domain = (raw.from_address or "").rpartition("@")[2]
        if not domain:
            return False
        org = organisational_domain(domain)
        waiting = session.execute(
            select(func.count())
            .select_from(RawMessage)
            .where(
                RawMessage.disposition == QUARANTINED,
                RawMessage.rule == RETRY,
                RawMessage.id != raw.id,
                or_(
                    RawMessage.from_address.endswith("@" + org, autoescape=True),
                    RawMessage.from_address.endswith("." + org, autoescape=True),
                ),
            )
        ).scalar_one()
        return waiting >= self.max_deferred_per_domain

    def _defer(self, raw: RawMessage, reason: str, now: datetime) -> None:
        """Kept for the next poll: nothing of it was applied (its SAVEPOINT rolled back)."""
        until = raw.fetched_at + self.retry_for
        self._quarantine(
            raw, f"{reason} (tried again each cycle until {until:%Y-%m-%d %H:%M} UTC)", "", now
        )
        raw.rule = RETRY
        log.info("message %s deferred: %s", _label(raw), reason[:200])

    def _quarantine_oversize(self, raw: RawMessage, now: datetime) -> None:
        # Fetched once, header only, and never fetched again (the cursor moves past it); the
        # original stays in the mailbox, which is never deleted from, for a person to look at.
        self._quarantine(
            raw,
            f"message is {raw.size / 1048576:.1f} MB, over the limit of "
            f"{self.max_bytes // 1048576} MB ([limits] max_message_mb); only its "
            "header was stored, the original stays in the mailbox",
            "",
            now,
            rule=OVERSIZE,
        )
        log.warning("message %s quarantined: over the size limit", _label(raw))

    def _quarantine(
        self, raw: RawMessage, reason: str, error: str, now: datetime, rule: str = "quarantine"
    ) -> None:
        raw.disposition = QUARANTINED
        raw.rule = rule
        raw.reason = reason
        raw.error = error
        raw.pengaduan_id = None
        raw.processed_at = now


def deferred_ids(
    session: Session, limit: int | None = None, before: datetime | None = None
) -> list[int]:
    """The messages waiting to be processed again (`RETRY`), least recently tried first (each
    attempt sets `processed_at`), so a cycle that retries only some of them moves round all;
    `before`: only those last tried before then."""
    query = select(RawMessage.id).where(
        RawMessage.disposition == QUARANTINED, RawMessage.rule == RETRY
    )
    if before is not None:
        query = query.where(RawMessage.processed_at < before)
    query = query.order_by(RawMessage.processed_at, RawMessage.id).limit(limit)
    return list(session.execute(query).scalars())


def _parse(data: bytes) -> InboundMail | Exception:
    """The parsed message, or the exception that stopped the parser (quarantined by `_handle`)."""
    try:
        return parse_message(data)
    except Exception as exc:  # noqa: BLE001 - the parser only means to raise MessageError
        return exc


def _apply_verdict(raw: RawMessage, verdict: Verdict, now: datetime) -> None:
    raw.disposition = verdict.disposition
    raw.rule = verdict.rule
    raw.reason = verdict.reason
    raw.error = ""
    raw.processed_at = now
    if verdict.pengaduan_id is not None and raw.pengaduan_id is None:
        raw.pengaduan_id = verdict.pengaduan_id


def _summarise(raw: RawMessage, mail) -> None:
    raw.from_address = mail.sender.key[:320] if mail.sender else ""
    raw.subject = mail.subject
    raw.date_header = mail.date
    raw.in_reply_to = " ".join(mail.in_reply_to)
    raw.references = " ".join(mail.references)
    raw.defects = list(mail.defects)[:50]


def _label(raw: RawMessage) -> str:
    return raw.message_id or f"raw#{raw.id}"


def _location(where: Location, uid: int, raw: RawMessage, now: datetime) -> MailboxLocation:
    return MailboxLocation(
        account=where.account,
        folder=where.folder,
        uidvalidity=where.uidvalidity,
        uid=uid,
        raw=raw,
        seen_at=now,
    )


def _short_traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc, limit=-6))[-4000:]
