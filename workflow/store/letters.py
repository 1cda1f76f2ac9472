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
from dumas.workflow.store.models import Document, LetterCounter, OutgoingLetter, Pengaduan


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
