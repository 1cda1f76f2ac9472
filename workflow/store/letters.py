"""Numbered outgoing letters: the yearly sequence and the buku agenda surat keluar.

`take_number` gives the next number of a year inside the caller's transaction: the year's row
of `nomor_surat` is locked (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite allows one writer at a
time), so two approvals committed at the same moment never share a number, and a rolled-back
approval gives its number back. The year is the office's local year of the approval, from the
injected clock: the sequence restarts on 1 January WIB.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dumas.workflow.sop.numbering import format_letter_number, verification_code
from dumas.workflow.store.models import (
    Document,
    LetterCounter,
    OutboxAttachment,
    OutboxMessage,
    OutgoingLetter,
    Pengaduan,
    Task,
)


def take_number(session: Session, year: int) -> int:
    """The next sequence number of `year` (1, 2, ...), reserved until the transaction ends."""
    counter = session.execute(
        select(LetterCounter).where(LetterCounter.year == year).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        # The year's first letter: create the row in a SAVEPOINT, so that a concurrent first
        # letter (PostgreSQL) makes us lock the row it created instead of failing.
        try:
            with session.begin_nested():
                session.add(LetterCounter(year=year, last_seq=0))
        except IntegrityError:
            pass
        counter = session.execute(
            select(LetterCounter).where(LetterCounter.year == year).with_for_update()
        ).scalar_one()
    counter.last_seq += 1
    session.flush()
    return counter.last_seq


@dataclass(frozen=True)
class Numbered:
    nomor: str
    kode: str
    letter: OutgoingLetter


def number_letter(
    session: Session,
    *,
    pattern: str,
    kind: str,
    case: Pengaduan | None,
    approved_by: str,
    approved_role: str,
    approved_at: datetime,
    local_approved_at: datetime,
    tujuan: str = "",
    perihal: str = "",
) -> Numbered:
    """Take the next number and enter the letter in the register (its PDF comes later)."""
    seq = take_number(session, local_approved_at.year)
    nomor = format_letter_number(pattern, seq, local_approved_at)
    kode = verification_code(nomor, case.number or "" if case else "", approved_by, approved_at)
    letter = OutgoingLetter(
        year=local_approved_at.year,
        seq=seq,
        nomor=nomor,
        kind=kind,
        pengaduan_id=case.id if case else None,
        tujuan=tujuan,
        perihal=perihal,
        approved_by=approved_by,
        approved_role=approved_role,
        approved_at=approved_at,
        kode=kode,
    )
    session.add(letter)
    session.flush()
    return Numbered(nomor, kode, letter)


@dataclass(frozen=True)
class LetterCheck:
    """What `dumas verify` found: the register row, and whether the file's bytes match."""

    letter: OutgoingLetter | None
    document: Document | None
    matches: bool | None  # None when only a code was given (no file to compare)


def check_letter(session: Session, *, pdf: bytes | None = None, code: str = "") -> LetterCheck:
    """Look a letter up by the SHA-256 of its PDF, or by the code printed on it."""
    if pdf is not None:
        digest = hashlib.sha256(pdf).hexdigest()
        doc = session.execute(
            select(Document).where(Document.sha256 == digest).limit(1)
        ).scalar_one_or_none()
        letter = (
            session.execute(
                select(OutgoingLetter).where(OutgoingLetter.document_id == doc.id)
            ).scalar_one_or_none()
            if doc is not None
            else None
        )
        return LetterCheck(letter, doc, doc is not None and letter is not None)
    letter = session.execute(
        select(OutgoingLetter).where(OutgoingLetter.kode == code.strip().upper())
    ).scalar_one_or_none()
    doc = session.get(Document, letter.document_id) if letter and letter.document_id else None
    return LetterCheck(letter, doc, None)


def letter_register(session: Session, start: datetime, end: datetime) -> list[OutgoingLetter]:
    """The letters approved in [start, end), in number order: the agenda for a period."""
    return list(
        session.execute(
            select(OutgoingLetter)
            .where(OutgoingLetter.approved_at >= start, OutgoingLetter.approved_at < end)
            .order_by(OutgoingLetter.year, OutgoingLetter.seq)
        ).scalars()
    )


# --- the reporter's identity in a surat penerusan (issue 10 item 5) ----------------------------

FORWARDING_LETTER = "surat_penerusan"
FORWARDING_MAIL = "penerusan_instansi"  # the email that carries it to an agency with an address
# Before the Sekretaris' approval (issue 10 item 2) a letter for an agency without an address
# went to the desk as this FYI, with no TERKIRIM: for those cases it counts as the sending.
LEGACY_DESK_MAIL = "penerusan_manual"
POSTED = ("pengiriman_penerusan", "terkirim")  # the desk's task, closed by TERKIRIM


def forwarding_letters(session: Session, case_id: int) -> list[Document]:
    """The case's surat penerusan as sent to an agency, oldest first: the numbered versions, not
    the reporter's copies (`salinan_pelapor`) nor the unnumbered draft of the proposal."""
    docs = session.execute(
        select(Document)
        .where(Document.pengaduan_id == case_id, Document.kind == FORWARDING_LETTER)
        .order_by(Document.version)
    ).scalars()
    return [
        d for d in docs if (d.params or {}).get("nomor") and not d.params.get("salinan_pelapor")
    ]


def names_reporter(letter: Document) -> bool:
    """Whether the letter was made with the reporter's identity (approved under consent)."""
    return not (letter.params or {}).get("redact_identity", True)


def identity_letter_sent(session: Session, case: Pengaduan) -> str:
    """The agency a surat penerusan naming the reporter went to, "" while none did.

    Gone means a fact, not the case's step: the agency's email left the outbox (status "sent"),
    or the desk answered TERKIRIM on the letter it was given to post. A letter approved but still
    waiting in the outbox or on the desk has not gone, so the reporter may still take their
    consent back and the letter is replaced by one without their identity."""
    letters = forwarding_letters(session, case.id)
    # Any letter an agency email carried counts, also the unnumbered ones of cases forwarded
    # before letters were numbered; a reporter's copy never goes to an agency.
    named = {
        d.id: d
        for d in session.execute(
            select(Document).where(
                Document.pengaduan_id == case.id, Document.kind == FORWARDING_LETTER
            )
        ).scalars()
        if names_reporter(d) and not (d.params or {}).get("salinan_pelapor")
    }
    if not named:
        return ""
    mailed = session.execute(
        select(OutboxAttachment.document_id)
        .join(OutboxMessage, OutboxAttachment.outbox_id == OutboxMessage.id)
        .where(
            OutboxMessage.pengaduan_id == case.id,
            OutboxMessage.kind.in_((FORWARDING_MAIL, LEGACY_DESK_MAIL)),
            OutboxMessage.status == "sent",
            OutboxAttachment.document_id.in_(list(named)),
        )
    ).scalars()
    for doc_id in mailed:
        if doc_id is not None:
            return str(named[doc_id].params.get("instansi") or case.forwarded_to or "-")
    posted_at = session.execute(
        select(Task.closed_at).where(
            Task.pengaduan_id == case.id, Task.step == POSTED[0], Task.outcome == POSTED[1]
        )
    ).scalar()
    if posted_at is None:
        return ""
    # The desk posted the latest letter it had been given when it answered TERKIRIM.
    given = [d for d in letters if d.created_at <= posted_at]
    if given and names_reporter(given[-1]):
        return str(given[-1].params.get("instansi") or case.forwarded_to or "-")
    return ""


def replace_letter_document(session: Session, old: Document, new: Document) -> None:
    """The register row of a letter points at the version that actually leaves (`dumas
    verify` checks that PDF); the replaced version never left the office."""
    for row in session.execute(
        select(OutgoingLetter).where(OutgoingLetter.document_id == old.id)
    ).scalars():
        row.document_id = new.id
