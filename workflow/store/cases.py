"""Creating and filing to cases (`Pengaduan`): the database side of intake.

Inputs are plain data (`ComplaintInput`, `IncomingFile`) so that email intake, walk-in registration
(`dumas register`) and tests all come through the same door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dumas.workflow.store.models import Attachment, OutboxMessage, Pengaduan, RawMessage

CHANNELS = ("email", "langsung", "surat")


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


@dataclass(frozen=True)
class ComplaintInput:
    channel: str
    received_at: datetime
    subject: str
    body: str
    from_name: str = ""
    from_email: str = ""
    files: tuple[IncomingFile, ...] = field(default_factory=tuple)


def create_pengaduan(
    session: Session, data: ComplaintInput, now: datetime, raw_id: int | None = None
) -> Pengaduan:
    """Create the case row and file its attachments (registration adds the number and fields)."""
    if data.channel not in CHANNELS:
        raise ValueError(f"unknown channel {data.channel!r}")
    case = Pengaduan(
        channel=data.channel,
        received_at=data.received_at,
        subject=data.subject,
        body=data.body,
        pelapor_name=data.from_name,
        pelapor_email=data.from_email.lower(),
        updated_at=now,
        data={},
    )
    session.add(case)
    session.flush()
    file_attachments(session, case.id, raw_id, data.files, "pengaduan", now)
    return case


def file_attachments(
    session: Session,
    pengaduan_id: int | None,
    raw_id: int | None,
    files: tuple[IncomingFile, ...],
    step: str,
    now: datetime,
) -> list[Attachment]:
    rows = [
        Attachment(
            pengaduan_id=pengaduan_id,
            raw_id=raw_id,
            filename=f.filename,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            storage_key=f.storage_key,
            step=step,
            added_at=now,
        )
        for f in files
    ]
    session.add_all(rows)
    return rows


def original_message(session: Session, case: Pengaduan) -> RawMessage | None:
    """The email that brought the complaint (None for walk-in and postal complaints)."""
    return session.execute(
        select(RawMessage)
        .where(RawMessage.pengaduan_id == case.id, RawMessage.disposition == "complaint")
        .order_by(RawMessage.id)
        .limit(1)
    ).scalar()


def case_for_message_ids(session: Session, ids: tuple[str, ...]) -> int | None:
    """The case of the newest message of ours among `ids` (message-ids without <>)."""
    wanted = [f"<{i}>" for i in ids[:50]]  # References can be long; the newest matter most
    if not wanted:
        return None
    return session.execute(
        select(OutboxMessage.pengaduan_id)
        .where(OutboxMessage.message_id.in_(wanted), OutboxMessage.pengaduan_id.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).scalar()
