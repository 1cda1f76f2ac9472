"""DAFTAR: the desk registers a walk-in or postal complaint by email (issue 10 item 4).

A message to the complaint mailbox from a staff address whose first line (of what the sender
wrote: `reply_text`, so a forwarded scan counts with the form typed above the forwarded part) is
`DAFTAR`, `DAFTAR LANGSUNG` or `DAFTAR SURAT` (rule `daftar`, ingest/routing/rules.py) comes here
instead of becoming a complaint from staff. It registers a case only when

- the sender holds the desk role, or acts for it by DELEGASI: receiving a complaint is the Desk
  Pelayanan's step in the SOP (steps 1-2). The Sekretaris and the Ketua decide later steps of the
  same case (disposition, approval); letting them register it too would let one person both
  bring a complaint in and route it, without the desk's check in between;
- the From is proven exactly as for any staff command (`ReplyHandler.prove`: DKIM or the
  receiving server's Authentication-Results, per `[replies] authentication`);
- the form has an Uraian (workflow/extract/daftar.py).

Otherwise nothing is registered: the message stays recorded (its raw bytes, an event
`daftar_ditolak`) and the sender gets an Indonesian explanation (`daftar_ditolak`, at most
`notices_per_sender_per_day` per reason). Registration runs at once, in the message's SAVEPOINT,
so the transcript can name the number, and a message is processed once (intake's Message-ID and
UID bookkeeping) so it registers once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from dumas.ingest.actions.registrar import IngestSettings, Registrar
from dumas.ingest.actions.replies import GATE_REASONS, ReplyHandler
from dumas.ingest.mail.inbound import InboundMail
from dumas.ingest.mail.replytext import reply_text
from dumas.notify.apply import Applier, Toolkit
from dumas.notify.notices import take_notice
from dumas.notify.recipients import roles_of
from dumas.workflow.addresses import staff_key
from dumas.workflow.extract.daftar import DaftarForm, read_form
from dumas.workflow.sop.effects import Transcript
from dumas.workflow.sop.names import Role
from dumas.workflow.store import events
from dumas.workflow.store.cases import ComplaintInput, IncomingFile
from dumas.workflow.store.models import Pengaduan, RawMessage

log = logging.getLogger(__name__)

# Why a DAFTAR registered nothing (besides the gate's proof reasons, GATE_REASONS).
DAFTAR_REASONS = {
    "daftar_bukan_desk": "Pendaftaran pengaduan dengan perintah DAFTAR hanya dapat dilakukan oleh "
    "Desk Pelayanan atau pelaksana hariannya, karena penerimaan pengaduan adalah tugas Desk "
    "Pelayanan menurut SOP (langkah 1 dan 2). Alamat email Anda tidak terdaftar untuk peran "
    "tersebut.",
    "daftar_tidak_lengkap": "Formulir pendaftaran belum dapat diproses.",
}
# Form fields the desk typed -> the case's columns (they win over what extraction reads).
_TYPED = {
    "telepon": "pelapor_phone",
    "alamat": "pelapor_address",
    "nik": "pelapor_nik",
    "terlapor": "terlapor",
    "lokasi": "lokasi_text",
}
_SHOWN = (
    ("nama", "Nama"),
    ("nik", "NIK"),
    ("telepon", "Telepon"),
    ("alamat", "Alamat"),
    ("email", "Email"),
    ("lokasi", "Lokasi kejadian"),
    ("terlapor", "Terlapor"),
)
SUBJECT_CHARS = 80


class DeskRegistration:
    def __init__(self, kit: Toolkit[IngestSettings], registrar: Registrar, replies: ReplyHandler):
        self.kit, self._registrar, self._replies = kit, registrar, replies

    def handle(
        self,
        session: Session,
        raw: RawMessage,
        mail: InboundMail,
        store_files: Callable[[InboundMail], tuple[IncomingFile, ...]],
        now: datetime,
    ) -> Pengaduan | None:
        """Register the form of `mail` (the case), or refuse it with an explanation (None)."""
        written = mail.sender.email if mail.sender else ""
        sender = staff_key(written)
        roles, _ = roles_of(session, self.kit.settings.roles, written, now)
        if Role.DESK not in roles:
            self._refuse(session, raw, sender, "daftar_bukan_desk", now)
            return None
        proof = self._replies.prove(mail)  # may defer the message while DNS does not answer
        if not proof.proven:
            self._refuse(session, raw, sender, proof.reason, now)
            return None
        form = read_form(reply_text(mail.text, mail.html))
        if form.problems:
            self._refuse(session, raw, sender, "daftar_tidak_lengkap", now, form.problems)
            return None
        files = store_files(mail)
        case = self._registrar.register(
            session, self._input(raw, form, files, now), now, raw=raw, typed=self._typed(form)
        )
        case.data = {**(case.data or {}), "daftar": {"oleh": sender, "saluran": form.channel}}
        events.record(
            session,
            "pengaduan_diterima",
            now,
            pengaduan_id=case.id,
            raw_id=raw.id,
            actor=sender,
            summary=f"Pengaduan {_channel_words(form.channel)} didaftarkan oleh Desk Pelayanan "
            f"({sender}) melalui email DAFTAR.",
            detail={"rule": "daftar", "saluran": form.channel, "berkas": len(files)},
        )
        lines = self._transcript(case, form, files)
        Applier(session, self.kit, case, now, source=raw, actor=sender).apply(
            [Transcript(sender, tuple(lines))]
        )
        log.info("case %s registered by DAFTAR (message %s)", case.number, raw.message_id)
        return case

    @staticmethod
    def _input(
        raw: RawMessage, form: DaftarForm, files: tuple[IncomingFile, ...], now: datetime
    ) -> ComplaintInput:
        uraian = form.get("uraian")
        subject = form.get("perihal") or " ".join(uraian.split())[:SUBJECT_CHARS]
        # The body is the form as typed (without the DAFTAR line): extraction then reads the
        # kecamatan, desa and TPS from "Lokasi kejadian: …" like from a citizen's own form.
        body = "\n".join(
            f"{label}: {form.get(name)}" for name, label in _SHOWN if form.get(name)
        ) + (f"\n\nUraian pengaduan:\n{uraian}" if uraian else "")
        return ComplaintInput(
            channel=form.channel,
            received_at=raw.internal_date or now,
            subject=subject,
            body=body.strip(),
            from_name=form.get("nama"),
            from_email=form.get("email"),
            files=files,
        )

    @staticmethod
    def _typed(form: DaftarForm) -> dict:
        return {column: form.get(name) for name, column in _TYPED.items() if form.get(name)}

    @staticmethod
    def _transcript(
        case: Pengaduan, form: DaftarForm, files: tuple[IncomingFile, ...]
    ) -> list[str]:
        lines = [
            f"Dilaksanakan: DAFTAR {form.channel.upper()} - pengaduan "
            f"{_channel_words(form.channel)} dicatat dengan nomor {case.number}.",
            "",
        ]
        lines += [f"{label}: {form.get(name) or '-'}" for name, label in _SHOWN]
        lines.append(f"Lampiran: {len(files)} berkas" if files else "Lampiran: -")
        lines += [
            "",
            "Permintaan verifikasi pengaduan ini dikirim dalam email tersendiri."
            + (
                ""
                if form.get("email")
                else " Pelapor tidak mempunyai alamat email: tanda terima dan surat kepadanya "
                "dicetak dan disampaikan oleh Desk Pelayanan."
            ),
        ]
        return lines

    def _refuse(
        self,
        session: Session,
        raw: RawMessage,
        sender: str,
        reason: str,
        now: datetime,
        problems: tuple[str, ...] = (),
    ) -> None:
        explanation = DAFTAR_REASONS.get(reason) or GATE_REASONS.get(reason, "")
        events.record(
            session,
            "daftar_ditolak",
            now,
            raw_id=raw.id,
            actor=sender,
            summary=f"Email DAFTAR dari {sender or 'pengirim tanpa alamat'} tidak didaftarkan "
            f"({reason}).",
            detail={"reason": reason, "problems": list(problems)},
        )
        log.info("DAFTAR refused (%s), message %s", reason, raw.message_id)
        s = self.kit.settings
        if not sender or not take_notice(
            session, sender, reason, now, s.office.tz, s.limits.notices_per_sender_per_day
        ):
            return
        Applier(session, self.kit, None, now, source=raw, actor=sender).send(
            "daftar_ditolak",
            (sender,),
            {"alasan": explanation, "reason": reason, "masalah": list(problems)},
            answer_source=True,
        )


def _channel_words(channel: str) -> str:
    return "melalui surat" if channel == "surat" else "yang disampaikan langsung"
