"""The outbox: every email Dumas sends is first a row, written in the caller's transaction.

The Message-ID is chosen here, when the row is written, so a retry after a crash is recognisably
the same message, and replies to it can be threaded back (In-Reply-To / References) before it has
even left. Nothing here talks SMTP; `notify.sender` drains the rows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dumas.workflow.addresses import normal_address
from dumas.workflow.store.models import OutboxAttachment, OutboxMessage

# The default of `[limits] attachments_max_bytes` (issue 9 item 3): under the 20-25 MB most
# providers accept, so an email with files still arrives.
ATTACHMENTS_MAX_BYTES = 15_000_000

__all__ = [
    "ATTACHMENTS_MAX_BYTES",
    "FileRef",
    "OutgoingEmail",
    "enqueue",
    "new_message_id",
    "normal_address",
    "sent_recently",
]


@dataclass(frozen=True)
class FileRef:
    """An attachment: a generated document (rendered later) or a stored file by key."""

    document_id: int | None = None
    storage_key: str = ""
    filename: str = ""
    content_type: str = "application/octet-stream"
    # Bytes, for the attachment cap when queueing; 0 when not known yet (a document still to be
    # rendered): the sender enforces the cap on the real sizes (`notify/sender.py`).
    size: int = 0


@dataclass(frozen=True)
class OutgoingEmail:
    kind: str  # template name: tanda_terima, notifikasi_desk, ...
    to: tuple[str, ...]
    subject: str
    body_text: str
    body_html: str = ""
    cc: tuple[str, ...] = ()
    reply_to: str = ""
    in_reply_to: str = ""  # "<id@host>" of the message this answers
    references: str = ""
    pengaduan_id: int | None = None
    files: tuple[FileRef, ...] = field(default_factory=tuple)
    message_id: str = ""  # chosen by `new_message_id` when empty


def new_message_id(domain: str, kind: str = "dumas") -> str:
    """`<dumas.{kind}.{random}@{domain}>`: unique, and ours by its shape and domain."""
    return f"<dumas.{kind.replace('_', '-')}.{secrets.token_hex(12)}@{domain}>"


def enqueue(session: Session, email: OutgoingEmail, domain: str, now: datetime) -> OutboxMessage:
    """Write one outgoing email (not sent until the caller commits and the sender runs)."""
    row = OutboxMessage(
        message_id=email.message_id or new_message_id(domain, email.kind),
        pengaduan_id=email.pengaduan_id,
        kind=email.kind,
        to_addrs=list(email.to),
        first_to=email.to[0].lower() if email.to else "",
        to_normal=normal_address(email.to[0]) if email.to else "",
        cc_addrs=list(email.cc),
        reply_to=email.reply_to,
        subject=email.subject,
        body_text=email.body_text,
        body_html=email.body_html,
        in_reply_to=email.in_reply_to,
        references=email.references,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        attachments=[
            OutboxAttachment(
                document_id=f.document_id,
                storage_key=f.storage_key,
                filename=f.filename,
                content_type=f.content_type,
            )
            for f in email.files
        ],
    )
    session.add(row)
    session.flush()
    return row


def sent_recently(session: Session, address: str, kind: str, since: datetime) -> int:
    """How many `kind` emails went (or are going) to `address` since `since` (rate limits).

    Counted on the normalised address: `+tag` and Gmail's dots give one mailbox any number of
    spellings, and each must not get a fresh allowance (issue 9). The normalised form is stored
    with the row (`to_normal`, indexed with the kind and the time), so a burst costs one index
    range per registration, not a rescan of the hour's rows."""
    return (
        session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.kind == kind,
                OutboxMessage.to_normal == normal_address(address),
                OutboxMessage.created_at >= since,
            )
        ).scalar()
        or 0
    )
