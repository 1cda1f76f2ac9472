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

from dumas.workflow.store.models import OutboxAttachment, OutboxMessage


@dataclass(frozen=True)
class FileRef:
    """An attachment: a generated document (rendered later) or a stored file by key."""

    document_id: int | None = None
    storage_key: str = ""
    filename: str = ""
    content_type: str = "application/octet-stream"


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


# Mailboxes that ignore dots in the local part: b.u.d.i@gmail.com is budi@gmail.com.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def normal_address(address: str) -> str:
    """The mailbox an address reaches, for rate limits: lower case, no `+tag`, and for Gmail no
    dots (`Budi.Santoso+promo@googlemail.com` → `budisantoso@gmail.com`). Only for counting:
    mail still goes to the address as written."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def sent_recently(session: Session, address: str, kind: str, since: datetime) -> int:
    """How many `kind` emails went (or are going) to `address` since `since` (rate limits).

    Counted on the normalised address: `+tag` and Gmail's dots give one mailbox any number of
    spellings, and each must not get a fresh allowance (issue 9). Grouped by the address as
    written, then normalised here (one row per distinct address), so the table needs no new
    column."""
    target = normal_address(address)
    rows = session.execute(
        select(OutboxMessage.first_to, func.count())
        .where(OutboxMessage.kind == kind, OutboxMessage.created_at >= since)
        .group_by(OutboxMessage.first_to)
    ).all()
    return sum(n for to, n in rows if normal_address(to) == target)
