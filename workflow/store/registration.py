"""Registration (SOP step 2): a number, the SOP minimum fields, the completeness check.

`register()` fills a freshly created `Pengaduan` from its text (identity, location, terlapor,
klasifikasi, confidentiality), gives it the next number of its year, and records what is missing.
Fields the desk typed in (`dumas register`) win over what the text suggests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Insert

from dumas.workflow.extract import (
    allows_disclosure,
    extract_lokasi,
    extract_pelapor,
    extract_terlapor,
    guess_klasifikasi,
    wants_confidentiality,
)
from dumas.workflow.extract.completeness import check_pengaduan
from dumas.workflow.sop.commands.pelapor import CONSENT_DATA
from dumas.workflow.sop.numbering import format_number
from dumas.workflow.store.models import Pengaduan, RegistrationCounter


@dataclass(frozen=True)
class NumberingRules:
    pattern: str
    tag: str
    tz: ZoneInfo
    kecamatan: tuple[str, ...]


def next_sequence(session: Session, year: int) -> int:
    """Atomically take the next sequence number of `year` (restarts at 1 each year).

    The row is created if missing with an insert that ignores a concurrent creator, then bumped by
    a single UPDATE: SQLite serialises it (BEGIN IMMEDIATE), PostgreSQL row-locks it until commit.
    """
    session.execute(_create_counter(session.get_bind().dialect.name, year))
    session.execute(
        update(RegistrationCounter)
        .where(RegistrationCounter.year == year)
        .values(last_seq=RegistrationCounter.last_seq + 1)
    )
    return session.execute(
        select(RegistrationCounter.last_seq).where(RegistrationCounter.year == year)
    ).scalar_one()


def _create_counter(dialect: str, year: int) -> Insert:
    """An insert of the year's counter that does nothing when the row exists (the two dialects
    spell ON CONFLICT with their own Insert classes)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return (
            pg_insert(RegistrationCounter)
            .values(year=year, last_seq=0)
            .on_conflict_do_nothing(index_elements=["year"])
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (
        sqlite_insert(RegistrationCounter)
        .values(year=year, last_seq=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )


def fill_from_text(case: Pengaduan, rules: NumberingRules) -> None:
    """The SOP minimum fields read from the complaint's text; typed-in values are kept."""
    text = f"{case.subject}\n{case.body}"
    pelapor = extract_pelapor(text, case.pelapor_name, case.pelapor_email)
    lokasi = extract_lokasi(text, rules.kecamatan)
    _keep_or_set(
        case,
        pelapor_name=pelapor.name,
        pelapor_phone=pelapor.phone,
        pelapor_address=pelapor.address,
        pelapor_nik=pelapor.nik,
        tps=lokasi.tps,
        desa=lokasi.desa,
        kecamatan=lokasi.kecamatan,
        lokasi_text=lokasi.text,
        terlapor=extract_terlapor(case.body),
    )
    if not case.klasifikasi:
        guess = guess_klasifikasi(case.subject, case.body)
        case.klasifikasi = guess.klasifikasi
        case.data = {**(case.data or {}), "klasifikasi_kata_kunci": list(guess.keywords)}
    _consent_from_text(case, pelapor.confidential or wants_confidentiality(text), text)


def _consent_from_text(case: Pengaduan, secret: bool, text: str) -> None:
    """Confidentiality and consent to be named, as the reporter's own text states them.

    Text is read again each time the reporter adds information, so what a reply command said
    (IDENTITAS BOLEH DIBUKA / DIRAHASIAKAN, `Pengaduan.data[CONSENT_DATA]`) is the reporter's
    latest word and the older text does not undo it: a consent by command is not voided by a
    secrecy request made earlier in the complaint, and a revocation by command is not undone by
    an earlier "boleh dibuka". Asking for secrecy and allowing disclosure in one text is a
    conflict: confidentiality wins. Consent counts from the complaint text although
    registration proves no sender: see docs/security.md, "What a reporter's mail may change".
    """
    statement = (case.data or {}).get(CONSENT_DATA)
    if isinstance(statement, dict):
        return
    if secret:
        case.confidential, case.consent_to_share = True, False
        case.sifat = "rahasia"
    elif not case.confidential and allows_disclosure(text):
        case.consent_to_share = True


def register(session: Session, case: Pengaduan, rules: NumberingRules, now: datetime) -> None:
    """Number the case and record its fields and what is missing (in the caller's transaction)."""
    fill_from_text(case, rules)
    local = case.received_at.astimezone(rules.tz)
    case.year = local.year
    case.seq = next_sequence(session, local.year)
    case.number = format_number(rules.pattern, case.seq, local, rules.tag)
    case.registered_at = now
    session.flush()
    session.refresh(case, ["attachments"])
    # The desk confirms completeness (LENGKAP starts the 60-day clock); this is the suggestion.
    case.missing = check_pengaduan(case)


def _keep_or_set(case: Pengaduan, **values: str) -> None:
    for name, value in values.items():
        if value and not getattr(case, name):
            setattr(case, name, value)
