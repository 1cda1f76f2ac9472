"""Registering a new complaint, from email or from the desk (walk-in, letter): SOP steps 1-2.

One door for every channel, in two atomic steps: `receive` creates the case with its text and
files (for email, in the message's own transaction during intake); `complete` numbers it, reads
its fields (workflow.registration), opens the desk's verification task
(workflow.machine.on_registered), schedules the documents (print-out, tanda terima, lembar
disposisi), acknowledges to the reporter and notifies the desk — all as effects applied in one
transaction. For email the second step is the registration job that runs right after intake.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dumas.notify.apply import Applier, ApplierSettings, RepliesSettings, Toolkit
from dumas.notify.outbox import sent_recently
from dumas.notify.recipients import is_no_reply
from dumas.workflow.clock import Clock
from dumas.workflow.errors import where
from dumas.workflow.extract import Pelapor
from dumas.workflow.extract.completeness import missing_phrases
from dumas.workflow.sop.definition import PELAPOR
from dumas.workflow.sop.effects import (
    CaseState,
    Effect,
    Notify,
    Record,
    RenderDocument,
    TokenFor,
)
from dumas.workflow.sop.machine import on_registered
from dumas.workflow.store.cases import ComplaintInput, create_pengaduan, original_message
from dumas.workflow.store.models import Pengaduan, RawMessage
from dumas.workflow.store.registration import NumberingRules, register

log = logging.getLogger(__name__)

# The steps a reporter is told about, in order (the tanda terima's "what happens next"): the
# whole chain of tasks, step 6 with its decision and approval, whose durations add up to the
# SOP's 5-7 days (see workflow/sop/definition.py). Not the branches that end a case at step 4
# (the approval and posting of a surat penerusan, the approval of a closure as not actionable):
# they fall inside that step's 7 days, after the telaah's 6.
TIMELINE_STEPS = (
    "verifikasi",
    "disposisi",
    "telaah",
    "kertas_kerja",
    "tindak_lanjut",
    "persetujuan_investigasi",
    "investigasi",
    "persetujuan_laporan",
)


class NumberingSettings(Protocol):
    @property
    def pattern(self) -> str: ...
    @property
    def case_tag(self) -> str: ...


class ZoneSettings(Protocol):
    @property
    def tz(self) -> ZoneInfo: ...


class RegistrationSettings(Protocol):
    """What numbering reads of `dumas.config.settings.Settings` (ingest does not import config)."""

    @property
    def numbering(self) -> NumberingSettings: ...
    @property
    def office(self) -> ZoneSettings: ...
    @property
    def kecamatan(self) -> tuple[str, ...]: ...


class LimitsSettings(Protocol):
    @property
    def acks_per_sender_per_hour(self) -> int: ...
    @property
    def notices_per_sender_per_day(self) -> int: ...
    @property
    def staff_status_per_day(self) -> int: ...


class SecuritySettings(Protocol):
    @property
    def require_dmarc(self) -> bool: ...
    @property
    def trusted_authserv_id(self) -> str: ...


class ProofRepliesSettings(RepliesSettings, Protocol):
    """[replies] as the sender-proof check reads it (ingest/mail/senderproof.py)."""

    @property
    def authentication(self) -> str: ...
    @property
    def authserv_id(self) -> str: ...
    @property
    def dkim_keys(self) -> Mapping[str, str]: ...
    @property
    def dkim_dns(self) -> bool: ...
    @property
    def stamp_record(self) -> Path | None: ...


class IngestSettings(ApplierSettings, RegistrationSettings, Protocol):
    """What ingest's actions read of the settings: the applier's, numbering's, and their own.
    They take a `Toolkit[IngestSettings]`, whose settings the composition root fills with
    `dumas.config.settings.Settings`."""

    @property
    def office(self) -> ZoneSettings: ...  # both bases' office: its tz a ZoneInfo, so a tzinfo
    @property
    def limits(self) -> LimitsSettings: ...
    @property
    def security(self) -> SecuritySettings: ...
    @property
    def replies(self) -> ProofRepliesSettings: ...


def numbering_rules(settings: RegistrationSettings) -> NumberingRules:
    return NumberingRules(
        pattern=settings.numbering.pattern,
        tag=settings.numbering.case_tag,
        tz=settings.office.tz,
        kecamatan=settings.kecamatan,
    )


class Registrar:
    def __init__(self, kit: Toolkit[IngestSettings]):
        self.kit = kit
        self.rules = numbering_rules(kit.settings)

    def register(
        self,
        session: Session,
        data: ComplaintInput,
        now: datetime,
        raw: RawMessage | None = None,
        acknowledge: bool = True,
        typed: dict | None = None,
    ) -> Pengaduan:
        """Receive and register at once (the desk's `dumas register`)."""
        case = self.receive(session, data, now, raw, typed)
        self.complete(session, case, now, raw, acknowledge)
        return case

    def receive(
        self,
        session: Session,
        data: ComplaintInput,
        now: datetime,
        raw: RawMessage | None = None,
        typed: dict | None = None,
    ) -> Pengaduan:
        """The case exists, with its text and files: what intake commits with the message.
        `typed` are fields the desk entered (they win over what the text suggests)."""
        case = create_pengaduan(session, data, now, raw_id=raw.id if raw else None)
        for name, value in (typed or {}).items():
            setattr(case, name, value)
        if raw is not None:
            raw.pengaduan_id = case.id
        return case

    def complete(
        self,
        session: Session,
        case: Pengaduan,
        now: datetime,
        raw: RawMessage | None = None,
        acknowledge: bool = True,
    ) -> None:
        """Number, fields, the desk's task, the documents and the acknowledgement — together."""
        register(session, case, self.rules, now)
        decision = on_registered(CaseState.from_case(case), now, self.kit.sop, self.kit.calendar)
        effects = [*self.documents(), *decision.effects]
        if case.consent_to_share:
            # Consent read from the complaint's own words (registration.py) is on the timeline
            # like one given by reply (workflow/sop/commands/pelapor.py).
            effects.append(
                Record(
                    "identitas_boleh_dibuka",
                    "Pelapor menyatakan dalam pengaduannya bahwa identitasnya boleh disampaikan "
                    "kepada instansi penerima penerusan pengaduan.",
                    {"at": now.isoformat(), "dari_teks": True},
                )
            )
        if acknowledge:
            effects.extend(self.acknowledgement(session, case, now))
        Applier(session, self.kit, case, now, source=raw).apply(effects)
        log.info("registered case %s (id %s)", case.number, case.id)

    def register_pending(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> dict[str, int]:
        """The registration job: every received, not yet registered case, one transaction each.

        Intake only records a new complaint with its message; numbering and everything that
        follows runs here, right after, so a slow or failing registration never holds up the
        mailbox and never costs a message its place (a case that fails stays unregistered, is
        logged, and is tried again on the next cycle)."""
        with sessions() as session:
            pending = list(
                session.execute(
                    select(Pengaduan.id)
                    .where(Pengaduan.registered_at.is_(None))
                    .order_by(Pengaduan.id)
                ).scalars()
            )
        counts = {"registered": 0, "failed": 0}
        for case_id in pending:
            if should_stop():
                break
            try:
                with sessions() as session, session.begin():
                    # Locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers) so
                    # that a concurrent job that registered it first is seen, not raced.
                    case = session.get_one(Pengaduan, case_id, with_for_update=True)
                    if case.registered_at is None:  # another process may have been quicker
                        self.complete(session, case, clock.now(), original_message(session, case))
                        case.data = {
                            k: v for k, v in (case.data or {}).items() if k != "registrasi_gagal"
                        }
                counts["registered"] += 1
            except Exception as exc:  # noqa: BLE001 - one case must not hold back the others
                log.error("registering case id %s failed (will retry): %s", case_id, where(exc))
                _note_failure(sessions, case_id, exc)
                counts["failed"] += 1
        return counts

    def documents(self) -> list[RenderDocument]:
        return [
            RenderDocument("cetakan", {}),
            RenderDocument("tanda_terima", {"tenggat": self.timeline()}),
            RenderDocument("lembar_disposisi", {"filled": False}),
        ]

    def timeline(self) -> list[list[str]]:
        sop = self.kit.sop
        rows = []
        for name in TIMELINE_STEPS:
            step = sop.step(name)
            rows.append([f"{step.title} ({sop.role_title(step.role)})", str(step.duration)])
        return rows

    def acknowledgement(self, session: Session, case: Pengaduan, now: datetime) -> list[Effect]:
        """The tanda terima email — unless there is nobody (safe) to send it to."""
        address = (case.pelapor_email or "").lower()
        why_not = self._no_ack_reason(session, address, now)
        if why_not:
            return [Record("tanda_terima_tidak_dikirim", why_not, {"address": address})]
        pelapor = Pelapor(
            name=case.pelapor_name,
            email=case.pelapor_email,
            phone=case.pelapor_phone,
            address=case.pelapor_address,
            nik=case.pelapor_nik,
            confidential=case.confidential,
        )
        context = {
            "kurang": missing_phrases(case.missing or [], pelapor),
            "tenggat": self.timeline(),
            "batas_hari": str(self.kit.sop.case_limit),
        }
        return [
            Notify(
                "tanda_terima", PELAPOR, context, ("tanda_terima",), TokenFor("verifikasi", PELAPOR)
            )
        ]

    def _no_ack_reason(self, session: Session, address: str, now: datetime) -> str:
        s = self.kit.settings
        if not address:
            return "Tanda terima tidak dikirim: pelapor tidak mempunyai alamat email."
        if is_no_reply(address):
            return "Tanda terima tidak dikirim: alamat pengirim tidak menerima balasan (no-reply)."
        if address in {s.smtp.from_address.lower(), s.replies.address.lower()}:
            return "Tanda terima tidak dikirim: alamat pengirim adalah alamat sistem ini."
        limit = s.limits.acks_per_sender_per_hour
        if sent_recently(session, address, "tanda_terima", now - timedelta(hours=1)) >= limit:
            return (
                f"Tanda terima tidak dikirim: sudah {limit} tanda terima ke alamat ini dalam "
                "satu jam terakhir (batas [limits] acks_per_sender_per_hour)."
            )
        return ""


def _note_failure(sessions: sessionmaker[Session], case_id: int, exc: Exception) -> None:
    """Keep the last error on the case (`dumas show`, `dumas doctor`); the log has no details."""
    with sessions() as session, session.begin():
        case = session.get_one(Pengaduan, case_id)
        case.data = {**(case.data or {}), "registrasi_gagal": f"{type(exc).__name__}: {exc}"[:500]}
