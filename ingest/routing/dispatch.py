"""From a classified message to the workflow: the one place that maps verdicts to actions.

Runs inside the message's SAVEPOINT (see `Intake.process`): everything it does commits with the
message or not at all. A new complaint is only received here (the case with its text and
files); the registration job numbers and acknowledges it right after intake.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dumas.ingest.actions.daftar import DeskRegistration
from dumas.ingest.actions.registrar import IngestSettings, Registrar
from dumas.ingest.actions.replies import ReplyHandler
from dumas.ingest.mail.inbound import InboundMail
from dumas.ingest.routing.rules import COMPLAINT, DAFTAR, IGNORED, REPLY, Verdict
from dumas.notify.apply import Toolkit
from dumas.notify.recipients import roles_of
from dumas.workflow.addresses import staff_key
from dumas.workflow.store import events
from dumas.workflow.store.cases import ComplaintInput, IncomingFile
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import RawMessage


class Dispatcher:
    def __init__(self, files: FileStore, kit: Toolkit[IngestSettings]) -> None:
        self._files = files
        self._registrar = Registrar(kit)
        self._replies = ReplyHandler(kit)
        self._daftar = DeskRegistration(kit, self._registrar, self._replies)
        self._roles = kit.settings.roles

    def dispatch(
        self, session: Session, raw: RawMessage, mail: InboundMail, verdict: Verdict, now: datetime
    ) -> None:
        handler = {COMPLAINT: self.on_complaint, REPLY: self.on_reply, IGNORED: self.on_ignored}[
            verdict.disposition
        ]
        handler(session, raw, mail, verdict, now)

    def on_complaint(
        self, session: Session, raw: RawMessage, mail: InboundMail, verdict: Verdict, now: datetime
    ) -> None:
        address = mail.sender.email if mail.sender else ""
        # A complaint from a staff address (or a forged one in a staff name) does not make staff
        # the pelapor of their own workflow (issue 9 item 8): the case is registered without a
        # reporter's address, so nothing is acknowledged to staff and their replies on the case
        # stay decisions. The desk sees who sent it on the timeline.
        staff = bool(address) and bool(roles_of(session, self._roles, address, now)[0])
        if staff and verdict.rule == DAFTAR:
            # The desk registering a walk-in or a letter, or a refusal with an explanation.
            self._daftar.handle(session, raw, mail, self.store_files, now)
            return
        data = ComplaintInput(
            channel="email",
            received_at=raw.internal_date or now,
            subject=mail.subject,
            body=mail.text,
            from_name=mail.sender.name if mail.sender and not staff else "",
            from_email=address if not staff else "",
            files=self.store_files(mail),
        )
        # Numbering, acknowledgement and the desk's task follow in the registration job.
        case = self._registrar.receive(session, data, now, raw=raw)
        events.record(
            session,
            "pengaduan_diterima",
            now,
            pengaduan_id=case.id,
            raw_id=raw.id,
            actor=raw.from_address,
            summary="Pengaduan diterima melalui email."
            + (
                f" Pengirimnya alamat petugas ({staff_key(address)}), sehingga tidak dicatat "
                "sebagai pelapor; identitas pelapor perlu dilengkapi Desk Pelayanan."
                if staff
                else ""
            ),
        )

    def on_reply(
        self, session: Session, raw: RawMessage, mail: InboundMail, verdict: Verdict, now: datetime
    ) -> None:
        assert verdict.pengaduan_id is not None  # the rules find the case of every REPLY
        raw.pengaduan_id = verdict.pengaduan_id
        events.record(
            session,
            "balasan_diterima",
            now,
            pengaduan_id=verdict.pengaduan_id,
            raw_id=raw.id,
            actor=raw.from_address,
            summary="Balasan email diterima.",
            detail={"rule": verdict.rule},
        )
        self._replies.handle(
            session, raw, mail, verdict.pengaduan_id, verdict.token, self.store_files(mail), now
        )

    def on_ignored(
        self, session: Session, raw: RawMessage, mail: InboundMail, verdict: Verdict, now: datetime
    ) -> None:
        events.record(
            session,
            "pesan_diabaikan",
            now,
            raw_id=raw.id,
            actor=raw.from_address,
            summary=f"Pesan otomatis dicatat dan diabaikan ({verdict.rule}).",
            detail={"reason": verdict.reason},
        )

    def store_files(self, mail: InboundMail) -> tuple[IncomingFile, ...]:
        out = []
        for att in mail.attachments:
            key, sha = self._files.put("att", att.payload)
            out.append(
                IncomingFile(
                    filename=att.filename,
                    content_type=att.content_type,
                    size=att.size,
                    sha256=sha,
                    storage_key=key,
                )
            )
        return tuple(out)
