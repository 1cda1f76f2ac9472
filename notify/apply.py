"""Applying the workflow core's effects: database rows, documents to render, emails in the outbox.

The core (`workflow.machine`) decides; this module does, inside the caller's transaction, so a
decision and everything it causes commit together or not at all. Effects are applied in order.
A Notify that asks for a decision gets one email per recipient, each with its own single-use
token in the Reply-To plus-address (or the subject, without plus addressing) and in our
Message-ID's record, so the reply finds its way back even when a client drops one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dumas.notify.compose import Composer
from dumas.notify.context import EXTERNAL, STAFF, audience_of, case_context
from dumas.notify.outbox import (
    ATTACHMENTS_MAX_BYTES,
    FileRef,
    OutgoingEmail,
    enqueue,
    new_message_id,
)
from dumas.notify.recipients import active_delegates, active_delegations, resolve, roles_of
from dumas.workflow.addresses import domain_of, is_public_provider, normal_address, staff_key
from dumas.workflow.documents.render import DOCUMENT_KINDS, LETTER_KINDS, document_filename
from dumas.workflow.errors import DumasError, WorkflowError
from dumas.workflow.extract.completeness import check_pengaduan
from dumas.workflow.formatting import one_line, ringkas, waktu
from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.grammar import EMAIL as _ADDRESS
from dumas.workflow.sop.commands.grammar import REPLY_MARKER
from dumas.workflow.sop.commands.registry import help_text
from dumas.workflow.sop.definition import PELAPOR, Sop
from dumas.workflow.sop.effects import (
    CancelDelegation,
    CaseState,
    CloseTask,
    Delegate,
    Effect,
    FileAttachments,
    Notify,
    OpenTask,
    RecheckCompleteness,
    Record,
    RenderDocument,
    ReplaceUnsent,
    TokenFor,
    Transcript,
    UpdateCase,
)
from dumas.workflow.sop.tokens import new_token, plus_address, token_hash
from dumas.workflow.sop.transitions import SURAT_PELAPOR, task_notice
from dumas.workflow.store import events
from dumas.workflow.store.cases import IncomingFile, file_attachments
from dumas.workflow.store.letters import (
    FORWARDING_LETTER,
    forwarding_letters,
    names_reporter,
    number_letter,
    replace_letter_document,
)
from dumas.workflow.store.models import (
    Attachment,
    Delegation,
    Document,
    Event,
    OutboxAttachment,
    OutboxMessage,
    Pengaduan,
    RawMessage,
    ReplyToken,
    Task,
)

log = logging.getLogger(__name__)

# How much of a file's name the "kept in the case file" list shows (names come from senders).
KEPT_NAME_CHARS = 120

# Bookkeeping events left out of the history a STATUS reply shows.
QUIET_EVENTS = (
    "dokumen_dibuat",
    "balasan_diterima",
    "perintah_diterima",
    events.NOTES_DELIVERED,
)
NOTES_SHOWN, NOTE_CHARS = 10, 600  # unverified notes in one email to the desk


def revoke_tokens(session: Session, now: datetime, *where) -> int:
    """Kill the live staff reply tokens matching `where` (the reporter's routing tokens are not
    authority over a task and stay). Returns how many died."""
    rows = session.execute(
        select(ReplyToken).where(
            ReplyToken.used_at.is_(None),
            ReplyToken.revoked_at.is_(None),
            ReplyToken.role != PELAPOR,
            *where,
        )
    ).scalars()
    count = 0
    for row in rows:
        row.revoked_at, count = now, count + 1
    return count


class UnknownEffect(DumasError):
    """The core produced an effect the applier has no handler for (a programming error)."""


class NoCase(WorkflowError):
    """An effect that acts on a case was applied without one (a programming error)."""


# What the applier reads of the settings. `dumas.config.settings.Settings` satisfies these
# structurally: notify sits below config and must not import it. Read-only properties, so that
# the frozen dataclasses of the settings fit.
class RolesSettings(Protocol):
    @property
    def desk(self) -> tuple[str, ...]: ...
    @property
    def sekretaris(self) -> tuple[str, ...]: ...
    @property
    def hukum(self) -> tuple[str, ...]: ...
    @property
    def ketua(self) -> tuple[str, ...]: ...
    @property
    def subdivisions(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def delegates(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def delegate_domains(self) -> tuple[str, ...]: ...
    @property
    def max_delegation_days(self) -> int: ...
    def addresses(self, role: str) -> tuple[str, ...]: ...


class SenderAddress(Protocol):
    @property
    def from_address(self) -> str: ...


class RepliesSettings(Protocol):
    @property
    def address(self) -> str: ...
    @property
    def plus_addressing(self) -> bool: ...
    @property
    def token_days(self) -> int: ...


class OfficeSettings(Protocol):
    @property
    def tz(self) -> tzinfo: ...


class LetterSettings(Protocol):
    @property
    def pattern(self) -> str: ...


class OfficialLike(Protocol):
    @property
    def nama(self) -> str: ...
    @property
    def nip(self) -> str: ...
    @property
    def jabatan(self) -> str: ...


class PegawaiLike(OfficialLike, Protocol):
    """A staff member of `[pegawai]` (by email address), printed in the Surat Tugas's team."""

    @property
    def pangkat(self) -> str: ...


class OfficialsSettings(Protocol):
    @property
    def sekretaris(self) -> OfficialLike: ...
    @property
    def ketua(self) -> OfficialLike: ...


class ApplierSettings(Protocol):
    @property
    def roles(self) -> RolesSettings: ...
    @property
    def smtp(self) -> SenderAddress: ...
    @property
    def replies(self) -> RepliesSettings: ...
    @property
    def office(self) -> OfficeSettings: ...
    @property
    def letters(self) -> LetterSettings: ...
    @property
    def officials(self) -> OfficialsSettings: ...
    @property
    def pegawai(self) -> Mapping[str, PegawaiLike]: ...


# The settings a Toolkit carries: at least what the applier reads. Callers above notify (ingest)
# name a wider Protocol, `Toolkit[TheirSettings]`, to read more of the same settings object;
# covariant, so such a Toolkit is still a `Toolkit[ApplierSettings]` for the applier.
SettingsT_co = TypeVar("SettingsT_co", bound=ApplierSettings, covariant=True)


@dataclass(frozen=True)
class Toolkit(Generic[SettingsT_co]):
    """What applying effects needs from the installation (built once by the composition root)."""

    settings: SettingsT_co  # dumas.config.settings.Settings
    composer: Composer
    sop: Sop
    calendar: WorkCalendar
    # `[limits] attachments_max_bytes`: at most this many bytes of files in one email.
    attachments_max_bytes: int = ATTACHMENTS_MAX_BYTES

    @cached_property
    def staff_addresses(self) -> frozenset[str]:
        r = self.settings.roles
        everyone = r.desk + r.sekretaris + r.hukum + r.ketua
        everyone += tuple(a for addrs in r.subdivisions.values() for a in addrs)
        everyone += tuple(a for addrs in r.delegates.values() for a in addrs)
        # Strict ASCII keys: a look-alike written to (or from) never counts as staff.
        return frozenset(k for a in everyone if (k := staff_key(a)))

    @cached_property
    def staff_domains(self) -> frozenset[str]:
        """The domains of the configured staff addresses: where DELEGASI may point by default.
        Public providers (gmail.com...) are left out: a Kasubbag on Gmail must not make every
        Gmail user a possible deputy; `[roles] delegate_domains` may still name one."""
        return frozenset(
            d for a in self.staff_addresses if not is_public_provider(d := domain_of(a))
        )

    @property
    def domain(self) -> str:
        return self.settings.smtp.from_address.rpartition("@")[2]


@dataclass
class Applier:
    """Applies effects for one case (or none) at one moment, caused by one message (or none)."""

    session: Session
    kit: Toolkit[ApplierSettings]
    case: Pengaduan | None  # None only for effects that need no case (see `_case`)
    now: datetime
    source: RawMessage | None = None  # the message that caused this, for the audit
    incoming: tuple[IncomingFile, ...] = ()  # its stored attachments (FileAttachments)
    actor: str = ""
    extra: dict = field(default_factory=dict)  # context for every email of this application
    _documents: dict[str, Document] = field(default_factory=dict)
    _staff_now: frozenset[str] | None = None

    def apply(self, effects: Iterable[Effect]) -> None:
        for effect in effects:
            self._apply(effect)

    def _case(self) -> Pengaduan:
        """The case an effect acts on, for the handlers that need one."""
        if self.case is None:
            raise NoCase("an effect that acts on a case was applied without a case")
        return self.case

    def _apply(self, effect: Effect) -> None:
        match effect:
            case UpdateCase():
                self._UpdateCase(effect)
            case OpenTask():
                self._OpenTask(effect)
            case CloseTask():
                self._CloseTask(effect)
            case Delegate():
                self._Delegate(effect)
            case CancelDelegation():
                self._CancelDelegation(effect)
            case RecheckCompleteness():
                self._RecheckCompleteness(effect)
            case Record():
                self._Record(effect)
            case RenderDocument():
                self._RenderDocument(effect)
            case FileAttachments():
                self._FileAttachments(effect)
            case Notify():
                self._Notify(effect)
            case Transcript():
                self._Transcript(effect)
            case ReplaceUnsent():
                self._ReplaceUnsent(effect)
            case _:
                raise UnknownEffect(f"no handler for the effect {type(effect).__name__}")

    # --- case and tasks ---------------------------------------------------------------------

    def _UpdateCase(self, e: UpdateCase) -> None:
        case = self._case()
        if "step" in e.fields and e.fields["step"] != case.step:
            # The case moves on: no staff token issued before this moment opens anything again,
            # even when the case comes back to the same step in a later round. Tokens this
            # decision issues (the next task, the transcript) come after and stay valid.
            revoke_tokens(self.session, self.now, ReplyToken.pengaduan_id == case.id)
        for name, value in e.fields.items():
            setattr(case, name, list(value) if isinstance(value, tuple) else value)
        if e.data:
            case.data = {**(case.data or {}), **e.data}
        case.updated_at = self.now

    def _OpenTask(self, e: OpenTask) -> None:
        self.session.add(
            Task(
                pengaduan_id=self._case().id,
                step=e.step,
                role=e.role,
                opened_at=self.now,
                due_at=e.due_at,
                remind_at=e.remind_at,
            )
        )
        self.session.flush()

    def _CloseTask(self, e: CloseTask) -> None:
        for task in self._open_tasks(e.step):
            task.closed_at, task.closed_by, task.outcome = self.now, e.by, e.outcome

    def _open_tasks(self, step: str | None = None) -> list[Task]:
        query = (
            select(Task)
            .where(Task.pengaduan_id == self._case().id, Task.closed_at.is_(None))
            .order_by(Task.id)
        )
        if step is not None:
            query = query.where(Task.step == step)
        return list(self.session.execute(query).scalars())

    def _Delegate(self, e: Delegate) -> None:
        self.session.add(
            Delegation(
                role=e.role,
                address=e.address.lower(),
                granted_by=e.granted_by,
                starts_at=self.now,
                until=e.until,
            )
        )
        self.session.flush()
        # The deputy acts from now on, so the role's tasks already open reach them now too,
        # each with a token of its own (new tasks and reminders reach them anyway).
        tasks = (
            self.session.execute(
                select(Task).where(Task.role == e.role, Task.closed_at.is_(None)).order_by(Task.id)
            )
            .scalars()
            .all()
        )
        for task in tasks:
            case = self.session.get(Pengaduan, task.pengaduan_id)
            notice = task_notice(
                CaseState.from_case(case, task),
                task.step,
                task.role,
                task.due_at,
                e.address.lower(),
                self.kit.sop,
                self.kit.calendar,
                note=f"Anda menerima tugas ini sebagai pelaksana harian "
                f"{self.kit.sop.role_title(e.role)}.",
                help_text=help_text,
            )
            Applier(
                self.session, self.kit, case, self.now, source=self.source, actor=self.actor
            ).apply([notice])

    def _CancelDelegation(self, e: CancelDelegation) -> None:
        query = select(Delegation).where(
            Delegation.revoked_at.is_(None), Delegation.until > self.now
        )
        if e.role is not None:
            query = query.where(Delegation.role == e.role)
        deputies: set[tuple[str, str]] = set()
        for row in self.session.execute(query).scalars():
            row.revoked_at, row.revoked_by = self.now, e.by
            deputies.add((row.address, row.role))
        self.session.flush()
        self._staff_now = None
        roles = self.kit.settings.roles
        # The deputy loses the role's tasks at once: the tokens they hold for it die with the
        # delegation, unless they still act for the role another way ([roles] or a delegation
        # not cancelled).
        for address, role in deputies:
            if role not in roles_of(self.session, roles, address, self.now)[0]:
                revoke_tokens(
                    self.session, self.now, ReplyToken.role == role, ReplyToken.issued_to == address
                )

    def _RecheckCompleteness(self, e: RecheckCompleteness) -> None:
        self.session.flush()
        case = self._case()
        self.session.refresh(case, ["attachments"])
        case.missing = check_pengaduan(case)

    def _Record(self, e: Record) -> None:
        events.record(
            self.session,
            e.kind,
            self.now,
            pengaduan_id=self.case.id if self.case else None,
            raw_id=self.source.id if self.source else None,
            actor=self.actor,
            summary=e.summary,
            detail=dict(e.detail),
        )

    # --- files ------------------------------------------------------------------------------

    def _RenderDocument(self, e: RenderDocument) -> None:
        case = self._case()
        params = dict(e.params)
        replaced = self._unsent_named_letter(e.kind) if params.get("tanpa_identitas") else None
        if replaced is not None:
            # Consent revoked before the letter left: the same numbered letter (number, date,
            # approval) without the reporter's identity, to be sent in its place.
            params = {
                **{k: v for k, v in replaced.params.items() if k != "persetujuan"},
                "redact_identity": True,
            }
        elif params.get("salinan_pelapor") and (sent := self._latest_document(e.kind)) is not None:
            # The reporter's copy of a letter that went: the same number, date and approval,
            # the reporter named (it is their own data) and no internal reasoning.
            params = {
                **{k: v for k, v in sent.params.items() if k != "persetujuan"},
                "salinan_pelapor": True,
            }
        version = (
            1
            + self.session.execute(
                select(func.count())
                .select_from(Document)
                .where(Document.pengaduan_id == case.id, Document.kind == e.kind)
            ).scalar_one()
        )
        doc = Document(
            pengaduan_id=case.id,
            kind=e.kind,
            version=version,
            params=params,
            status="pending",
            attempts=0,
            created_at=self.now,
            next_attempt_at=self.now,
            filename=document_filename(e.kind, case.number or "", version, case.id),
        )
        self.session.add(doc)
        self.session.flush()
        approval = params.get("persetujuan")
        if e.kind in LETTER_KINDS and isinstance(approval, Mapping):
            self._number(doc, approval)
        if replaced is not None:
            replace_letter_document(self.session, replaced, doc)
        self._documents[e.kind] = doc
        events.record(
            self.session,
            "dokumen_dibuat",
            self.now,
            pengaduan_id=case.id,
            raw_id=self.source.id if self.source else None,
            summary=f"Dokumen {doc.filename} dijadwalkan untuk dibuat.",
        )

    def _team_details(self, tim: str) -> dict[str, Any]:
        """The `[pegawai]` entries of the team named in INVESTIGASI (by address), frozen into the
        Surat Tugas's params with its number, so a re-rendering prints the same Pangkat/Gol."""
        staff = getattr(self.kit.settings, "pegawai", None) or {}
        found = {
            a: {"nama": p.nama, "nip": p.nip, "jabatan": p.jabatan, "pangkat": p.pangkat}
            for a in dict.fromkeys(m.lower() for m in _ADDRESS.findall(tim or ""))
            if (p := staff.get(a)) is not None
        }
        return {"pegawai": found} if found else {}

    def _number(self, doc: Document, approval: Mapping) -> None:
        """Number an approved letter now, in the approval's transaction: the number, the date,
        the signatory and the approval line go into the document's params, so every rendering
        (and re-rendering) prints the same, and the register row points at this document."""
        case = self._case()
        local = self.now.astimezone(self.kit.settings.office.tz)
        signer = "ketua" if approval.get("penandatangan") == "ketua" else "sekretaris"
        official = getattr(self.kit.settings.officials, signer)
        role = str(approval.get("peran") or "")
        who = (
            f"{official.nama} ({role})"
            if official.nama and signer == approval.get("role")
            else role
        )
        numbered = number_letter(
            self.session,
            pattern=self.kit.settings.letters.pattern,
            kind=doc.kind,
            case=case,
            approved_by=str(approval.get("oleh") or ""),
            approved_role=role,
            approved_at=self.now,
            local_approved_at=local,
            tujuan=str(doc.params.get("instansi") or approval.get("tujuan") or ""),
            perihal=DOCUMENT_KINDS[doc.kind].title,
        )
        numbered.letter.document_id = doc.id
        doc.params = {
            **doc.params,
            "nomor": numbered.nomor,
            "tanggal": local.date().isoformat(),
            "pengesahan": {
                "kode": numbered.kode,
                "oleh": who,
                "pada": waktu(local),
                "nama": official.nama,
                "nip": official.nip,
                "jabatan": official.jabatan,
                # "surel": approved by email (the default); "ditetapkan": decided by the
                # replying role with no approval step; "otomatis": closed by the SOP's clock.
                "cara": str(approval.get("cara") or "surel"),
            },
            **(self._team_details(case.tim) if doc.kind == "surat_tugas" else {}),
        }
        how = {"ditetapkan": "ditetapkan oleh", "otomatis": "ditetapkan otomatis oleh"}
        events.record(
            self.session,
            "surat_dinomori",
            self.now,
            pengaduan_id=case.id,
            raw_id=self.source.id if self.source else None,
            summary=f"{DOCUMENT_KINDS[doc.kind].title} Nomor {numbered.nomor} "
            f"{how.get(str(approval.get('cara')), 'disetujui oleh')} "
            f"{who} (kode verifikasi {numbered.kode}).",
        )

    def _FileAttachments(self, e: FileAttachments) -> None:
        file_attachments(
            self.session,
            self._case().id,
            self.source.id if self.source else None,
            self.incoming,
            e.step,
            self.now,
        )
        self.session.flush()

    def _files(self, refs: Iterable[str]) -> tuple[FileRef, ...]:
        out: list[FileRef] = []
        for ref in refs:
            if ref == SURAT_PELAPOR and self.case is not None:
                # The letter the desk is to send to a reporter without email: its kind depends
                # on how the case closed (workflow/sop/transitions.py `for_reporter`).
                ref = str(((self.case.data or {}).get(SURAT_PELAPOR) or {}).get("surat") or "")
            if ref.startswith("lampiran:"):
                out.extend(
                    FileRef(
                        storage_key=a.storage_key,
                        filename=a.filename,
                        content_type=a.content_type,
                        size=a.size,
                    )
                    for a in self._attachments(ref[9:])
                )
            elif (doc := self._latest_document(ref)) is not None:
                out.append(
                    FileRef(
                        document_id=doc.id,
                        filename=doc.filename,
                        content_type="application/pdf",
                        size=doc.size,  # 0 while pending: see `_file_plan`
                    )
                )
        return tuple(out)

    def _attachments(self, step: str) -> list[Attachment]:
        return list(
            self.session.execute(
                select(Attachment)
                .where(Attachment.pengaduan_id == self._case().id, Attachment.step == step)
                .order_by(Attachment.id)
            ).scalars()
        )

    def _unsent_named_letter(self, kind: str) -> Document | None:
        if kind != FORWARDING_LETTER:
            return None
        letters = forwarding_letters(self.session, self._case().id)
        latest = letters[-1] if letters else None
        return latest if latest is not None and names_reporter(latest) else None

    def _latest_document(self, kind: str) -> Document | None:
        if kind in self._documents:
            return self._documents[kind]
        return self.session.execute(
            select(Document)
            .where(Document.pengaduan_id == self._case().id, Document.kind == kind)
            .order_by(Document.version.desc())
            .limit(1)
        ).scalar()

    # --- email ------------------------------------------------------------------------------

    def _ReplaceUnsent(self, e: ReplaceUnsent) -> None:
        case = self._case()
        waiting = (
            self.session.execute(
                select(OutboxMessage)
                .where(
                    OutboxMessage.pengaduan_id == case.id,
                    OutboxMessage.kind == e.template,
                    OutboxMessage.status == "pending",
                )
                .with_for_update()
            )
            .scalars()
            .all()
        )
        for row in waiting:
            row.status, row.last_error = "withdrawn", "replaced before it was sent"
        if waiting:
            self._Notify(e.replacement)
        self._Record(
            Record(
                "surat_diganti" if waiting else "surat_sudah_terkirim",
                "Email kepada instansi yang belum terkirim ditarik dan diganti dengan surat "
                "tanpa identitas pelapor."
                if waiting
                else "Email kepada instansi telah terkirim sebelum dapat diganti.",
                {"template": e.template, "ditarik": [r.message_id for r in waiting]},
            )
        )

    def _Notify(self, e: Notify) -> None:
        addresses = resolve(self.session, self.kit.settings.roles, self.case, e.to, self.now)
        if not addresses:
            self._Record(
                Record(
                    "notifikasi_dilewati",
                    f"Tidak ada alamat email untuk {e.to}; "
                    f"pemberitahuan '{e.template}' tidak dikirim.",
                    {"to": e.to},
                )
            )
            return
        files = self._files(e.documents)
        if e.reply_token is None and all(a in self._staff() for a in addresses):
            self.send(e.template, addresses, dict(e.context), files, None)
            return
        for address in addresses:  # one each: tokens and redaction are per recipient
            self.send(e.template, (address,), dict(e.context), files, e.reply_token)

    def _Transcript(self, e: Transcript) -> None:
        self.send(
            "transkrip",
            (e.to.lower(),),
            {"lines": list(e.lines)},
            (),
            e.reply_token,
            answer_source=True,
        )

    def send(
        self,
        template: str,
        to: tuple[str, ...],
        context: dict,
        files=(),
        token_for: TokenFor | None = None,
        answer_source: bool = False,
    ) -> None:
        """Compose and queue one email (to several addresses only when they are all staff).

        `files` go only to an address that has not had them in an earlier email of the case, and
        only within `attachments_max_bytes` (issue 9 item 3: whoever writes with the case tag
        adds files, and each notification must not carry them all again). The files left out
        are listed by name (`berkas_tersimpan`, `_berkas_tersimpan.txt`). Staff addresses
        sharing one email are split only when they differ in what they already hold."""
        # Once per email, before any split: every desk address of it gets the same notes.
        if notes := self._unverified_notes(to):
            context = {**context, "catatan_belum_terverifikasi": notes}
        for group, attach, kept in self._file_plan(to, tuple(files)):
            self._queue(
                template,
                group,
                {**context, "berkas_tersimpan": kept},
                attach,
                token_for,
                answer_source,
            )

    def _file_plan(
        self, to: tuple[str, ...], files: tuple[FileRef, ...]
    ) -> list[tuple[tuple[str, ...], tuple[FileRef, ...], list[str]]]:
        """(addresses, files to attach, names left out) per email to queue.

        Addresses are grouped by the files they still lack. Not the intersection of what they
        hold (it would send again what some already have: the amplification this prevents) nor
        the union (it would withhold from one what only others have): each gets exactly its
        new files, and addresses that always received together (the usual case) stay one email.

        The cap counts the sizes known now. A document still to be rendered counts 0: its size
        exists only after the documents job, after this transaction; the sender checks the
        real sizes before reading anything and leaves out what would pass the cap
        (`OutboxSender._files_for`), so the cap holds exactly and the sender's memory with it.
        """
        if not files:
            return [(to, (), [])]
        held = self._already_attached(to, files)
        cap = self.kit.attachments_max_bytes
        groups: dict[tuple[FileRef, ...], list[str]] = {}
        for address in to:
            had = held.get(normal_address(address), set())
            new, seen = [], set(had)
            for f in files:
                if _file_key(f) not in seen:
                    seen.add(_file_key(f))  # the same file twice in one email: once
                    new.append(f)
            groups.setdefault(tuple(new), []).append(address)
        plan = []
        for lacking, addresses in groups.items():
            attach, total = [], 0
            for f in lacking:
                if total + f.size <= cap:
                    attach.append(f)
                    total += f.size
            kept = [
                ringkas(one_line(f.filename), KEPT_NAME_CHARS) for f in files if f not in attach
            ]
            plan.append((tuple(addresses), tuple(attach), kept))
        return plan

    def _already_attached(
        self, to: tuple[str, ...], files: tuple[FileRef, ...]
    ) -> dict[str, set[tuple[str, object]]]:
        """Which of `files` each normalised address of `to` already has from an email of this
        case queued or sent before (a failed one never arrived). One query on the case's outbox
        (`outbox.pengaduan_id` and `outbox_attachment.outbox_id` are indexed), limited to these
        files. Files compare exactly: stored files by content address (`storage_key` is their
        SHA-256), documents by row (each version is its own row and its own PDF)."""
        if self.case is None or self.case.id is None:
            return {}
        keys = {f.storage_key for f in files if f.document_id is None and f.storage_key}
        docs = {f.document_id for f in files if f.document_id is not None}
        rows = self.session.execute(
            select(
                OutboxMessage.to_addrs,
                OutboxMessage.cc_addrs,
                OutboxAttachment.storage_key,
                OutboxAttachment.document_id,
            )
            .join(OutboxAttachment, OutboxAttachment.outbox_id == OutboxMessage.id)
            .where(
                OutboxMessage.pengaduan_id == self.case.id,
                OutboxMessage.status != "failed",
                or_(OutboxAttachment.storage_key.in_(keys), OutboxAttachment.document_id.in_(docs)),
            )
        ).all()
        wanted = {normal_address(a) for a in to}
        held: dict[str, set[tuple[str, object]]] = {}
        for to_addrs, cc_addrs, key, doc_id in rows:
            ref = FileRef(document_id=doc_id, storage_key=key or "")
            for address in {normal_address(a) for a in [*to_addrs, *cc_addrs]} & wanted:
                held.setdefault(address, set()).add(_file_key(ref))
        return held

    def _queue(
        self,
        template: str,
        to: tuple[str, ...],
        context: dict,
        files: tuple[FileRef, ...],
        token_for: TokenFor | None,
        answer_source: bool,
    ) -> None:
        s = self.kit.settings
        context = {
            **self.extra,
            **self._context_for(template, token_for, context),
            **{k: v for k, v in context.items() if k != "number"},
        }  # the case's own wins
        audience = audience_of(to[0], self.case, self._staff())
        message_id = new_message_id(self.kit.domain, template)
        token = self._issue(token_for, to[0], message_id) if token_for else ""
        reply_to = (
            plus_address(s.replies.address, token)
            if token and s.replies.plus_addressing
            else s.replies.address
        )
        composed = self.kit.composer.compose(
            template,
            number=self.case.number if self.case else None,
            token="" if s.replies.plus_addressing else token,
            case=case_context(self.case, audience, s.office.tz, self.kit.sop),
            audience=audience,
            reply_marker=REPLY_MARKER if token else "",
            asks_reply=bool(token),
            **context,
        )
        in_reply_to, references = self._threading(audience, answer_source)
        enqueue(
            self.session,
            OutgoingEmail(
                kind=template,
                to=to,
                subject=composed.subject,
                body_text=composed.text,
                body_html=composed.html,
                reply_to=reply_to,
                in_reply_to=in_reply_to,
                references=references,
                pengaduan_id=self.case.id if self.case else None,
                files=files,
                message_id=message_id,
            ),
            self.kit.domain,
            self.now,
        )

    def _staff(self) -> frozenset[str]:
        """Configured staff and anyone acting for a role by DELEGASI right now (asked once)."""
        if self._staff_now is None:
            self._staff_now = self.kit.staff_addresses | frozenset(
                active_delegates(self.session, None, self.now)
            )
        return self._staff_now

    def _context_for(self, template: str, token_for: TokenFor | None, given: dict) -> dict:
        """Context every email of its kind needs that the pure core cannot know."""
        extra: dict = {}
        if token_for is not None and "help" not in given and self.case is not None:
            state = CaseState.from_case(self.case, next(iter(self._open_tasks()), None))
            extra["help"] = help_text(token_for.step, token_for.role, self.kit.sop, state)
        if template in ("status", "status_pelapor") and self.case is not None:
            extra["riwayat"] = self._history(staff=template == "status")
        if template == "status":  # who may act for a role besides its holders, for staff only
            extra["delegasi_aktif"] = self._delegations()
        return extra

    def _unverified_notes(self, to: tuple[str, ...]) -> list[str]:
        """Mail in the reporter's name that proved nothing, not yet shown to the desk: an email
        to a desk address carries it as a note (and marks it carried, in the same transaction
        as the email it rides on). Only the desk: it is the desk's to check with the reporter."""
        if self.case is None or self.case.id is None or not to:
            return []
        # One query on every email of a case (usually empty); the desk's addresses only then.
        since = (
            select(func.coalesce(func.max(Event.id), 0))
            .where(Event.pengaduan_id == self.case.id, Event.kind == events.NOTES_DELIVERED)
            .scalar_subquery()
        )
        rows = list(
            self.session.execute(
                select(Event)
                .where(
                    Event.pengaduan_id == self.case.id,
                    Event.kind == events.UNVERIFIED_NOTE,
                    Event.id > since,
                )
                .order_by(Event.id)
            ).scalars()
        )
        if not rows:
            return []
        desk = set(resolve(self.session, self.kit.settings.roles, self.case, "desk", self.now))
        if not desk.intersection(a.lower() for a in to):
            return []
        tz = self.kit.settings.office.tz
        notes = []
        for e in rows[-NOTES_SHOWN:]:
            text = " ".join(str((e.detail or {}).get("text", "")).split())
            text = text if len(text) <= NOTE_CHARS else text[: NOTE_CHARS - 1] + "…"
            files = ", ".join((e.detail or {}).get("files", ()))
            notes.append(
                f"{waktu(e.at.astimezone(tz))}, dari {e.actor or 'pengirim tanpa alamat'}: "
                f"{text or '(tanpa teks)'}" + (f" [berkas: {files}]" if files else "")
            )
        if len(rows) > NOTES_SHOWN:
            notes.insert(0, f"({len(rows) - NOTES_SHOWN} catatan sebelumnya ada pada riwayat.)")
        events.record(
            self.session,
            events.NOTES_DELIVERED,
            self.now,
            pengaduan_id=self.case.id,
            summary=f"{len(rows)} catatan belum terverifikasi disampaikan kepada Desk Pelayanan.",
            detail={"through_event": rows[-1].id},
        )
        self.session.flush()  # the next email of this transaction starts after it
        return notes

    def _delegations(self) -> list[str]:
        tz = self.kit.settings.office.tz
        return [
            f"{d.address} sebagai {self.kit.sop.role_title(d.role)} sampai "
            f"{waktu(d.until.astimezone(tz))}, ditunjuk oleh {d.granted_by}"
            for d in active_delegations(self.session, self.now)
        ]

    def _history(self, staff: bool) -> list[str]:
        """Lines of the case's history: the audit trail for staff, the SOP steps for the pelapor."""
        tz = self.kit.settings.office.tz
        case_id = self._case().id
        if staff:
            rows = self.session.execute(
                select(Event)
                .where(Event.pengaduan_id == case_id, Event.kind.not_in(QUIET_EVENTS))
                .order_by(Event.at, Event.id)
            ).scalars()
            return [f"{waktu(e.at.astimezone(tz))}: {e.summary}" for e in rows]
        tasks = self.session.execute(
            select(Task).where(Task.pengaduan_id == case_id).order_by(Task.id)
        ).scalars()
        lines = []
        for t in tasks:
            title = self.kit.sop.step(t.step).title
            done = f", selesai {waktu(t.closed_at.astimezone(tz))}" if t.closed_at else ""
            lines.append(f"{title}: mulai {waktu(t.opened_at.astimezone(tz))}{done}")
        return lines

    def _threading(self, audience: str, answer_source: bool) -> tuple[str, str]:
        """Answers thread under the message they answer; the pelapor's mail under their own
        complaint, so their mail client shows one conversation per case.

        Nobody outside the office but the pelapor is threaded to the pelapor's mail (issue 9,
        "no amplification"): an agency or an outside team holding the reporter's Message-ID
        could reply into, or forge, the reporter's own conversation. An outsider answered
        directly gets their own message as In-Reply-To only, never the References they sent."""
        if answer_source and self.source is not None and self.source.message_id:
            if audience != EXTERNAL:
                return self.source.message_id, self.source.references or ""
            if self.source.message_id not in self._reporter_message_ids():
                return self.source.message_id, ""
            return "", ""
        if (
            audience not in (STAFF, EXTERNAL)
            and self.case is not None
            and self.case.channel == "email"
        ):
            original = self.session.execute(
                select(RawMessage.message_id)
                .where(
                    RawMessage.pengaduan_id == self.case.id, RawMessage.disposition == "complaint"
                )
                .order_by(RawMessage.id)
                .limit(1)
            ).scalar()
            return (original or "", "")
        return "", ""

    def _reporter_message_ids(self) -> set[str]:
        """Message-IDs of the case's complaint and of everything its pelapor wrote on it."""
        if self.case is None:
            return set()
        reporter = (self.case.pelapor_email or "").lower()
        rows = self.session.execute(
            select(RawMessage.message_id, RawMessage.from_address, RawMessage.disposition).where(
                RawMessage.pengaduan_id == self.case.id
            )
        )
        return {
            m
            for m, sender, disposition in rows
            if m and (disposition == "complaint" or (reporter and sender.lower() == reporter))
        }

    def _issue(self, token_for: TokenFor, address: str, message_id: str) -> str:
        case = self._case()  # a token is bound to its case
        token = new_token()
        # ... and to the task open now (the newest of its step): it dies when that task closes,
        # whichever email (task, reminder, STATUS, BANTUAN, transcript) carried it.
        task = next(iter(reversed(self._open_tasks(token_for.step))), None)
        self.session.add(
            ReplyToken(
                token_hash=token_hash(token),
                pengaduan_id=case.id,
                task_id=task.id if task else None,
                step=token_for.step,
                role=token_for.role,
                issued_to=address,
                issued_at=self.now,
                expires_at=self.now + timedelta(days=self.kit.settings.replies.token_days),
                outbox_message_id=message_id,
            )
        )
        return token


def _file_key(f: FileRef) -> tuple[str, object]:
    """What makes two attachments the same file (see `Applier._already_attached`)."""
    return ("document", f.document_id) if f.document_id is not None else ("file", f.storage_key)
