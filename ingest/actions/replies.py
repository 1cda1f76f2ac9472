"""Replies to a case: the reporter adding information, staff deciding by command.

A staff decision counts only when every check passes (`Gate`): a known, unused, unexpired token
for this case, issued for the step the case is still at; a sender configured for the token's role
(or its deputy); and proof of the From address (`[replies] authentication`: an aligned DKIM
signature by default, see ingest/mail/senderproof.py) for anything but STATUS and BANTUAN.
Anything else changes nothing, is recorded with the verdict, and the sender gets an Indonesian
explanation (at most `notices_per_sender_per_day` per reason). STATUS and BANTUAN change nothing,
so staff may send them on any message of a case without a fresh token (at most
`staff_status_per_day` without one of their own).

A token binds a person to a task: it works only from the address it was issued to (or a deputy
acting for its role at that moment), only while the task it was issued with is the case's open
task, and deciding the task kills every other token of the case. DELEGASI (and DELEGASI BATAL)
also needs the strongest proof of sender configured, and a grant stays within the office's
domains and `[roles] max_delegation_days`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dumas.ingest.actions.registrar import IngestSettings, numbering_rules
from dumas.ingest.mail.inbound import InboundMail
from dumas.ingest.mail.replytext import command_lines, reply_text
from dumas.ingest.mail.senderproof import AUTHSERV, NONE, ProofSettings, SenderProof, prove_sender
from dumas.ingest.mail.stampcheck import stamping_checked
from dumas.notify.apply import Applier, Toolkit, revoke_tokens
from dumas.notify.notices import take_notice
from dumas.notify.recipients import roles_of
from dumas.workflow.addresses import domain_of, staff_key
from dumas.workflow.errors import MessageDeferred
from dumas.workflow.extract import wants_confidentiality
from dumas.workflow.sop.commands.pelapor import CONSENT_DATA, REPORTER_COMMAND_NAMES
from dumas.workflow.sop.commands.registry import help_text, is_delegation_cancel, parse_command
from dumas.workflow.sop.commands.telaah import team_addresses
from dumas.workflow.sop.definition import PELAPOR
from dumas.workflow.sop.effects import (
    Actor,
    CaseState,
    Decision,
    Delegate,
    FileAttachments,
    Notify,
    RecheckCompleteness,
    Record,
)
from dumas.workflow.sop.machine import decide
from dumas.workflow.sop.names import StepName
from dumas.workflow.sop.tokens import plus_tag, same_hash, token_hash
from dumas.workflow.store import events
from dumas.workflow.store.cases import IncomingFile, case_for_message_ids
from dumas.workflow.store.letters import identity_letter_sent
from dumas.workflow.store.models import Pengaduan, RawMessage, ReplyToken, Task
from dumas.workflow.store.registration import fill_from_text

log = logging.getLogger(__name__)
FREE_COMMANDS = ("STATUS", "BANTUAN")
# How far a sender's clock may lag ours before a reply reads as older than the email it answers.
REPLY_CLOCK_SKEW = timedelta(minutes=15)
UNVERIFIED_TEXT_CHARS = 4000  # of a note kept from mail that proves nothing (the raw is kept)
# Commands accepted with a token that decide no task: they spend their own token only.
TASK_NEUTRAL = (*FREE_COMMANDS, "DELEGASI")

# Why a staff reply decided nothing: code -> the Indonesian explanation's first sentence.
GATE_REASONS = {
    "tanpa_token": "Balasan Anda tidak dapat dikaitkan dengan permintaan keputusan mana pun: "
    "kode balasan tidak ditemukan.",
    "token_tidak_dikenal": "Kode balasan pada email Anda tidak dikenal.",
    "token_kasus_lain": "Kode balasan pada email Anda milik pengaduan lain.",
    "token_kedaluwarsa": "Kode balasan pada email Anda sudah kedaluwarsa.",
    "token_terpakai": "Keputusan untuk permintaan ini sudah pernah diberikan; kode balasan hanya "
    "berlaku satu kali.",
    "tahap_berlalu": "Pengaduan ini sudah tidak berada pada tahap yang diminta dalam email "
    "tersebut.",
    "bukan_peran": "Alamat email Anda tidak terdaftar untuk peran yang diminta memutuskan.",
    "bukan_penerima": "Kode balasan pada email tersebut diberikan kepada alamat lain; keputusan "
    "hanya dapat diberikan dengan membalas email yang Anda terima sendiri.",
    "token_dicabut": "Kode balasan pada email Anda sudah tidak berlaku: permintaan keputusan "
    "tersebut sudah diputuskan atau digantikan oleh permintaan yang lebih baru.",
    "tugas_selesai": "Permintaan keputusan dalam email tersebut sudah selesai; kode balasannya "
    "tidak berlaku untuk tahap berikutnya. Mohon balas email permintaan yang terbaru.",
    "delegasi_tanpa_bukti": "Perintah DELEGASI hanya dapat dilaksanakan bila keaslian email "
    "pengirim dapat dibuktikan oleh server kami, dan pemeriksaan tersebut belum diaktifkan.",
    "delegasi_domain": "Pelaksana harian hanya dapat ditunjuk dari alamat email kantor (domain "
    "alamat petugas yang terdaftar) atau domain yang diizinkan dalam konfigurasi.",
    "delegasi_terlalu_lama": "Masa penunjukan pelaksana harian melebihi batas yang ditetapkan.",
    "status_dibatasi": "Permintaan STATUS atau BANTUAN tanpa kode balasan Anda sendiri sudah "
    "mencapai batas harian. Mohon balas STATUS pada email permintaan keputusan yang Anda terima.",
    "autentikasi_gagal": "Email Anda tidak lolos pemeriksaan keaslian pengirim (DKIM/DMARC) "
    "oleh server kami.",
    "dkim_tidak_ada": "Email Anda tidak membawa tanda tangan digital (DKIM) dari domain alamat "
    "pengirimnya, sehingga keaslian pengirim tidak dapat dibuktikan.",
    "dkim_domain_lain": "Tanda tangan digital (DKIM) pada email Anda dibuat oleh domain lain, "
    "bukan domain alamat pengirimnya, sehingga keaslian pengirim tidak dapat dibuktikan.",
    "dkim_tidak_sah": "Tanda tangan digital (DKIM) pada email Anda tidak sah: isi email berubah "
    "dalam perjalanan, kunci domain pengirim tidak ditemukan, atau kepala email tidak wajar.",
    "dkim_kunci_tidak_terambil": "Kunci DKIM domain pengirim tidak dapat diambil dari DNS "
    "meskipun sudah dicoba berulang kali selama beberapa jam, sehingga keaslian pengirim tidak "
    "dapat dibuktikan. Mohon kirim ulang balasan Anda; bila terulang, hubungi petugas TI kantor.",
    "authserv_belum_diperiksa": "Pemeriksaan keaslian pengirim oleh server email kami belum "
    "dipastikan berjalan untuk setiap email (petugas TI perlu menjalankan `dumas doctor`), "
    "sehingga keputusan melalui email belum dapat diterima.",
    "balasan_lebih_lama": "Tanggal email Anda lebih awal daripada email permintaan keputusan "
    "yang dibalas, atau tidak tercantum. Mohon balas langsung email permintaan tersebut, dan "
    "periksa pengaturan tanggal dan jam pada perangkat Anda.",
    "pengirim_tidak_dikenal": "Alamat email Anda tidak terdaftar sebagai pelapor maupun "
    "petugas untuk pengaduan ini.",
}


def _first_sentence(text: str) -> str:
    line = next((row.strip() for row in text.splitlines() if row.strip()), "")
    return line if len(line) <= 200 else line[:199] + "…"


@dataclass(frozen=True)
class GateVerdict:
    """The gate's answer: the acting roles when allowed, else the reason code."""

    allowed: bool
    reason: str = ""
    roles: frozenset[str] = frozenset()
    delegated: frozenset[str] = frozenset()
    token: ReplyToken | None = None


class ReplyHandler:
    def __init__(self, kit: Toolkit[IngestSettings]):
        self.kit = kit
        self.rules = numbering_rules(kit.settings)  # the same reading rules as registration

    def handle(
        self,
        session: Session,
        raw: RawMessage,
        mail: InboundMail,
        case_id: int,
        token: str,
        files: tuple[IncomingFile, ...],
        now: datetime,
    ) -> None:
        case = session.get_one(Pengaduan, case_id)  # the dispatcher found it; cases are kept
        sender = mail.sender.key if mail.sender else ""
        text = reply_text(mail.text, mail.html)
        command = parse_command(command_lines(text))
        applier = Applier(session, self.kit, case, now, source=raw, incoming=files, actor=sender)
        # Refusals answer the From as written. `sender` is folded by str.lower(), which maps a
        # look-alike (the Kelvin sign) onto the real staff address; an address we cannot write
        # in ASCII gets no answer at all.
        answer = staff_key(mail.sender.email) if mail.sender else ""
        # Staff first: a staff address that is also a case's pelapor (a forged complaint in
        # their name, issue 9 item 8) must still decide as staff, through the gate.
        if (
            sender
            and sender == (case.pelapor_email or "").lower()
            and not self._is_staff(session, mail, now)
        ):
            if self._reporter_proven(session, case, mail, token):
                self._from_pelapor(session, case, applier, command, text, files, now)
            else:
                self._unverified(session, case, applier, sender, command, text, files, now)
            return
        # Roles are matched on the address as written, in strict ASCII (look-alikes never match).
        verdict = self.gate(
            session, case, mail, mail.sender.email if mail.sender else "", token, command, now
        )
        if verdict.allowed and not self._status_allowed(
            session, case, sender, verdict, command, now, mail
        ):
            verdict = GateVerdict(
                False, "status_dibatasi", verdict.roles, verdict.delegated, verdict.token
            )
        if verdict.reason == "pengirim_tidak_dikenal" and command is None:
            self._from_someone_else(session, case, applier, sender, text, files)
            return
        if not verdict.allowed:
            self._refuse(session, case, applier, sender, verdict, command, answer_to=answer)
            return
        actor = Actor(sender, verdict.roles, verdict.delegated)
        decision = decide(
            self.state(session, case),
            command,
            actor,
            now,
            self.kit.sop,
            self.kit.calendar,
            attachments=[f.filename for f in files],
        )
        if decision.refusal is not None:
            # The gate's verdict (roles, token) stays in the audit trail of a refused command.
            self._refuse(
                session,
                case,
                applier,
                sender,
                GateVerdict(
                    False, decision.refusal.reason, verdict.roles, verdict.delegated, verdict.token
                ),
                command,
                message=decision.refusal.message,
                answer_to=answer,
            )
            return
        assert command is not None  # decide() refuses a staff reply without a command
        policy = self._delegation_problem(decision, now)
        if policy:
            self._refuse(
                session,
                case,
                applier,
                sender,
                GateVerdict(False, policy, verdict.roles, verdict.delegated, verdict.token),
                command,
                answer_to=answer,
            )
            return
        if verdict.token is not None and not self._free(command):
            verdict.token.used_at, verdict.token.used_by_raw_id = now, raw.id
            if command.name not in TASK_NEUTRAL:
                # Deciding the task kills its other tokens (other recipients, reminders,
                # STATUS answers) before this decision issues the next ones.
                revoke_tokens(
                    session,
                    now,
                    ReplyToken.pengaduan_id == case.id,
                    ReplyToken.id != verdict.token.id,
                )
        if self._proof_settings().mode == NONE:
            # The transcript must say the decision stands on the From address alone.
            applier.extra = {**applier.extra, "pengirim_tidak_diverifikasi": True}
        applier.apply(decision.effects)
        events.record(
            session,
            "perintah_diterima",
            now,
            pengaduan_id=case.id,
            raw_id=raw.id,
            actor=sender,
            summary=f"Perintah {command.name} dari {sender} diterima.",
            detail=self._detail(verdict, command),
        )
        log.info("case %s: %s accepted (message %s)", case.number, command.name, raw.message_id)

    def state(self, session: Session, case: Pengaduan) -> CaseState:
        task = session.execute(
            select(Task)
            .where(Task.pengaduan_id == case.id, Task.closed_at.is_(None))
            .order_by(Task.id.desc())
            .limit(1)
        ).scalar()
        return CaseState.from_case(case, task)

    # --- the reporter -------------------------------------------------------------------------

    def _from_pelapor(self, session, case, applier, command, text, files, now) -> None:
        # A consent command (IDENTITAS BOLEH DIBUKA / DIRAHASIAKAN) is a statement about the
        # reporter, not information about the complaint: it stays out of the case body.
        if command is None or (
            command.name not in FREE_COMMANDS and command.name not in REPORTER_COMMAND_NAMES
        ):
            self._add_information(case, text, now)
            applier.extra = {"tambahan": text}
        actor = Actor.of(case.pelapor_email, PELAPOR)
        state = self.state(session, case)
        if command is not None and command.name in REPORTER_COMMAND_NAMES:
            # Whether a letter naming them already went is a fact of the outbox and the desk's
            # TERKIRIM, which the pure core cannot read (revocable until then).
            state = replace(state, identity_sent_to=identity_letter_sent(session, case))
        decision = decide(
            state,
            command,
            actor,
            now,
            self.kit.sop,
            self.kit.calendar,
            attachments=[f.filename for f in files],
        )
        applier.apply(decision.effects)
        if not decision.of_type(RecheckCompleteness):
            applier.apply([RecheckCompleteness()])  # what they sent may complete the file

    def _is_staff(self, session: Session, mail: InboundMail, now: datetime) -> bool:
        address = mail.sender.email if mail.sender else ""
        return bool(address) and bool(roles_of(session, self.kit.settings.roles, address, now)[0])

    def _reporter_proven(
        self, session: Session, case: Pengaduan, mail: InboundMail, token: str
    ) -> bool:
        """A reporter's mail counts when it carries a routing token we sent to the reporter
        (the acknowledgement's or a LENGKAPI request's Reply-To), or proves its From the way
        `[replies] authentication` says (a DKIM signature of the reporter's own domain).

        Reporter tokens are not single-use and do not expire here: a reporter answers their
        acknowledgement as often as they like, and possessing one proves access to the
        reporter's mailbox, which is all this check asks. A revoked one (none are today) fails."""
        presented = token or self._plus_tag(mail)
        row = self._token(session, presented, mail) if presented else None
        if (
            row is not None
            and row.role == PELAPOR
            and row.pengaduan_id == case.id
            and row.revoked_at is None
            and row.issued_to.lower() == (case.pelapor_email or "").lower()
        ):
            return True
        return self._authentic(mail).proven

    def _unverified(self, session, case, applier, sender, command, text, files, now) -> None:
        """Mail in the reporter's name that proves nothing: it changes nothing on the case.

        Its text and files are kept (the event, `lampiran:belum_terverifikasi`, never attached
        again) and reach the desk as a note: in the desk's next email, and in an email of its
        own at most once a day per case, so a forger cannot turn the office into a mail cannon.
        STATUS and BANTUAN are answered, to the real reporter's address only, within
        `notices_per_sender_per_day`."""
        s = self.kit.settings
        if command is not None and command.name in FREE_COMMANDS:
            if take_notice(
                session,
                sender,
                "pelapor_tanpa_bukti",
                now,
                s.office.tz,
                s.limits.notices_per_sender_per_day,
            ):
                self._from_pelapor(session, case, applier, command, text, files, now)
            return
        names = [f.filename for f in files]
        applier.apply([FileAttachments(events.UNVERIFIED_STEP)] if files else [])
        events.record(
            session,
            events.UNVERIFIED_NOTE,
            now,
            pengaduan_id=case.id,
            raw_id=applier.source.id if applier.source else None,
            actor=sender,
            summary="Email atas nama pelapor tanpa bukti pengirim (kode balasan atau tanda "
            "tangan DKIM) dicatat sebagai informasi yang belum terverifikasi; pengaduan tidak "
            "berubah.",
            detail={"text": text[:UNVERIFIED_TEXT_CHARS], "files": names},
        )
        log.info(
            "case %s: reporter mail without proof kept as a note (message %s)",
            case.number,
            applier.source.message_id if applier.source else "",
        )
        if take_notice(
            session, f"pengaduan:{case.id}", events.UNVERIFIED_NOTE, now, s.office.tz, 1
        ):
            applier.apply(
                [
                    Notify(
                        "informasi",
                        "desk",
                        {
                            "subject": case.subject,
                            "message": "Email atas nama pelapor diterima tanpa bukti "
                            "pengirim. Isinya dicatat sebagai informasi yang belum "
                            "terverifikasi (lihat CATATAN BELUM TERVERIFIKASI di bawah) dan "
                            "tidak mengubah pengaduan. Bila perlu, hubungi pelapor melalui "
                            "kontak yang tercatat untuk memastikannya.",
                        },
                    )
                ]
            )

    def _add_information(self, case: Pengaduan, text: str, now: datetime) -> None:
        """The reporter's new text joins the case, and fills fields still empty."""
        if not text.strip():
            return
        stamp = now.astimezone(self.kit.settings.office.tz).strftime("%d-%m-%Y %H.%M")
        case.body = f"{case.body}\n\n--- Tambahan dari pelapor ({stamp}) ---\n{text}".strip()
        if case.consent_to_share and wants_confidentiality(text):
            # Asking for secrecy in their own words takes back a consent, as
            # IDENTITAS DIRAHASIAKAN would: the reporter's latest word counts, and secrecy is
            # the safe side (fill_from_text leaves a consent given by command alone).
            case.consent_to_share, case.confidential, case.sifat = False, True, "rahasia"
            case.data = {
                **(case.data or {}),
                CONSENT_DATA: {"setuju": False, "at": now.isoformat(), "dari_teks": True},
            }
        fill_from_text(case, self.rules)

    def _from_someone_else(self, session, case, applier, sender, text, files) -> None:
        """Someone who is neither the pelapor nor staff wrote about the case without a command —
        typically the agency it was forwarded to. It decides nothing; the desk is told."""
        message = (
            f"Email tentang pengaduan ini diterima dari {sender or 'pengirim tanpa alamat'} "
            f"(bukan pelapor dan bukan petugas). Isinya:\n\n{text or '(tanpa teks)'}"
        )
        s = self.kit.settings
        # One outsider must not mail the desk without limit (review of issue 9): past the daily
        # allowance their mail is kept on the case (files too) and the desk reads it there.
        told = bool(sender) and take_notice(
            session,
            sender,
            "informasi_pihak_lain",
            applier.now,
            s.office.tz,
            s.limits.notices_per_sender_per_day,
        )
        applier.apply(
            [
                *((FileAttachments("informasi"),) if files else ()),
                *(
                    (
                        Notify(
                            "informasi",
                            "desk",
                            {"subject": case.subject, "message": message},
                            ("lampiran:informasi",) if files else (),
                        ),
                    )
                    if told
                    else ()
                ),
                Record(
                    "informasi_pihak_lain",
                    f"Email dari {sender} diteruskan kepada Desk Pelayanan sebagai informasi."
                    if told
                    else f"Email dari {sender} dicatat pada pengaduan (batas pemberitahuan "
                    "harian kepada Desk Pelayanan untuk pengirim ini sudah tercapai).",
                    {"from": sender, "told": told},
                ),
            ]
        )

    # --- staff ------------------------------------------------------------------------------

    def gate(
        self,
        session: Session,
        case: Pengaduan,
        mail: InboundMail,
        sender: str,
        token: str,
        command,
        now: datetime,
    ) -> GateVerdict:
        roles, delegated = (
            roles_of(session, self.kit.settings.roles, sender, now)
            if sender
            else (frozenset(), frozenset())
        )
        if not roles:
            team = self._team_member(session, case, mail, sender, token, command, now)
            return team or GateVerdict(False, "pengirim_tidak_dikenal")
        sender = staff_key(sender)  # ASCII, as roles_of matched it
        # Proof of sender costs a signature check (perhaps DNS): only for what changes state.
        if command is None or command.name not in FREE_COMMANDS:
            proof = self._authentic(mail)
            if not proof.proven:
                return GateVerdict(False, proof.reason, roles, delegated)
        if command is not None and command.name == "DELEGASI" and self._proof_mode() == "none":
            return GateVerdict(False, "delegasi_tanpa_bukti", roles, delegated)
        free = self._free(command)
        # A plus-address tag that is not a known token is a wrong token, even when the thread
        # (In-Reply-To) would find a valid one: the credential presented is the one that counts.
        presented = token or self._plus_tag(mail)
        row = self._token(session, token, mail) if presented == token else None
        if row is None:
            return (
                GateVerdict(True, "", roles, delegated)
                if free
                else GateVerdict(
                    False, "token_tidak_dikenal" if presented else "tanpa_token", roles, delegated
                )
            )
        if free:
            return GateVerdict(True, "", roles, delegated, row)
        problem = self._token_problem(
            row, case, now, self._thread_case(session, mail), self._open_task_id(session, case)
        )
        if problem:
            return GateVerdict(False, problem, roles, delegated, row)
        # A reply cannot be older than the email it answers. Without this, an old signed reply of
        # the role holder, its plus-address swapped for a leaked live token (To and References
        # are often unsigned; Microsoft 365 signs neither), would decide another task. The Date
        # is one of the headers a signature must cover (senderproof.MUST_SIGN).
        if mail.date is None or mail.date < row.issued_at - REPLY_CLOCK_SKEW:
            return GateVerdict(False, "balasan_lebih_lama", roles, delegated, row)
        if row.role not in roles:
            # A team member who holds another role (the desk, say) files LAPORAN as a member.
            team = self._team_member(session, case, mail, sender, token, command, now)
            return team or GateVerdict(False, "bukan_peran", roles, delegated, row)
        # A forwarded task email hands over nothing: the token works for the person it was
        # issued to, or for someone acting as deputy of its role right now.
        if row.issued_to != sender and row.role not in delegated:
            return GateVerdict(False, "bukan_penerima", roles, delegated, row)
        return GateVerdict(True, "", frozenset({row.role}), delegated & {row.role}, row)

    def _team_member(
        self,
        session: Session,
        case: Pengaduan,
        mail: InboundMail,
        sender: str,
        token: str,
        command,
        now: datetime,
    ) -> GateVerdict | None:
        """A member of the approved investigation team (an address in `Pengaduan.tim`) acting on
        the investigasi task with a token issued to them for it (`with_team_tasks`): they act
        as the handling sub-division for this one decision, on this case, at this step only.
        Anything else (no token, another step or case, a free command, someone else's token, a
        sender not proven) is None: the caller's refusal stands. The machine then allows only
        the step's own command (LAPORAN); DELEGASI needs a role of one's own."""
        sender = staff_key(sender) if sender else ""
        if not sender or self._free(command) or case.step != StepName.INVESTIGASI:
            return None
        if sender not in team_addresses(case.tim or ""):
            return None
        # As in `gate`: a plus-address tag that is not a known token is no credential at all.
        presented = token or self._plus_tag(mail)
        row = self._token(session, token, mail) if presented == token else None
        if row is None:
            return None
        if row.step != StepName.INVESTIGASI or row.issued_to != sender:
            return None
        if not self._authentic(mail).proven:
            return None
        problem = self._token_problem(
            row, case, now, self._thread_case(session, mail), self._open_task_id(session, case)
        )
        if problem or mail.date is None or mail.date < row.issued_at - REPLY_CLOCK_SKEW:
            return None
        return GateVerdict(True, "", frozenset({row.role}), frozenset(), row)

    @staticmethod
    def _free(command) -> bool:
        """Commands that need no task token: they read, or (BATAL) only take power away."""
        return command is not None and (
            command.name in FREE_COMMANDS or is_delegation_cancel(command)
        )

    def _proof_mode(self) -> str:
        """The proof of sender in force, for DELEGASI ("none": the From address alone).

        The seam with the proof of sender: "the strongest proof configured" is read as "the
        gate's `_authentic` check passed (it runs before this) in a mode other than none"."""
        return self._proof_settings().mode

    def _open_task_id(self, session: Session, case: Pengaduan) -> int | None:
        return session.execute(
            select(Task.id)
            .where(Task.pengaduan_id == case.id, Task.closed_at.is_(None))
            .order_by(Task.id.desc())
            .limit(1)
        ).scalar()

    def _status_allowed(
        self,
        session: Session,
        case: Pengaduan,
        sender: str,
        verdict: GateVerdict,
        command,
        now,
        mail: InboundMail,
    ) -> bool:
        """A staff STATUS/BANTUAN without a token of their own on this case costs one of
        `staff_status_per_day`: a forged From must not turn us into a mail cannon."""
        if command is None or command.name not in FREE_COMMANDS:
            return True
        row = verdict.token
        # Only a live token of theirs, from a proven sender, exempts: a used, revoked or expired
        # one is in every old email, and a live one is in any forwarded task email; with a
        # forged From either would make STATUS mails (each with a token) unlimited.
        if (
            row is not None
            and row.issued_to == sender
            and not self._token_problem(row, case, now, None, self._open_task_id(session, case))
            and self._authentic(mail).proven
        ):
            return True
        s = self.kit.settings
        return take_notice(
            session,
            sender,
            "status_tanpa_token",
            now,
            s.office.tz,
            s.limits.staff_status_per_day,
        )

    def _delegation_problem(self, decision: Decision, now: datetime) -> str:
        """Why a DELEGASI grant goes further than the office allows ("" when it does not)."""
        roles = self.kit.settings.roles
        allowed = self.kit.staff_domains | frozenset(roles.delegate_domains)
        latest_day = self.kit.calendar.local_date(now) + timedelta(days=roles.max_delegation_days)
        for grant in decision.of_type(Delegate):
            if domain_of(staff_key(grant.address)) not in allowed:
                return "delegasi_domain"
            if grant.until > self.kit.calendar.end_of_day(latest_day):
                return "delegasi_terlalu_lama"
        return ""

    def prove(self, mail: InboundMail) -> SenderProof:
        """The gate's proof of sender, for other staff requests by email (DAFTAR)."""
        return self._authentic(mail)

    def _authentic(self, mail: InboundMail) -> SenderProof:
        """Whether `mail` proves its From the way `[replies] authentication` says.

        Raises `MessageDeferred` when DNS did not answer for the DKIM key: intake keeps the
        message for the next cycle, until `[replies] dkim_retry_hours` have passed and its last
        attempt (`mail.last_attempt`) fails the proof for good."""
        proof = prove_sender(mail, self._proof_settings())
        if proof.temporary and not mail.last_attempt:
            raise MessageDeferred(
                f"DKIM key of {proof.domain} not fetched: DNS did not answer (temporary)"
            )
        if not proof.proven:
            log.info("message %s: sender not proven (%s)", mail.message_id, proof.reason)
        return proof

    def _proof_settings(self) -> ProofSettings:
        r = self.kit.settings.replies
        return ProofSettings(
            r.authentication,
            r.authserv_id,
            r.dkim_keys,
            dns=r.dkim_dns,
            # Read per message, not once: doctor may record (or forget) the check meanwhile.
            authserv_checked=r.authentication == AUTHSERV
            and stamping_checked(r.stamp_record, r.authserv_id) is not None,
        )

    def _token(self, session: Session, token: str, mail: InboundMail) -> ReplyToken | None:
        if token:
            row = session.execute(
                select(ReplyToken).where(ReplyToken.token_hash == token_hash(token))
            ).scalar()
            if row is not None and same_hash(row.token_hash, token_hash(token)):
                return row
            return None
        ids = [f"<{i}>" for i in mail.in_reply_to + tuple(reversed(mail.references))][:50]
        if not ids:
            return None
        return session.execute(
            select(ReplyToken)
            .where(ReplyToken.outbox_message_id.in_(ids), ReplyToken.role != PELAPOR)
            .order_by(ReplyToken.id.desc())
            .limit(1)
        ).scalar()

    def _plus_tag(self, mail: InboundMail) -> str:
        """The tag of a plus-address on our reply address among the recipients ("" if none)."""
        base = self.kit.settings.replies.address
        return next((t for a in mail.all_recipients if (t := plus_tag(a, base))), "")

    def _thread_case(self, session: Session, mail: InboundMail) -> int | None:
        """The case of the newest message of ours this one answers (In-Reply-To/References)."""
        return case_for_message_ids(session, mail.in_reply_to + tuple(reversed(mail.references)))

    def _token_problem(
        self,
        row: ReplyToken,
        case: Pengaduan,
        now: datetime,
        thread_case: int | None = None,
        open_task: int | None = None,
    ) -> str:
        # A token of one case on a reply in another case's thread: which case was meant is
        # unclear, so neither changes.
        if row.pengaduan_id != case.id or thread_case not in (None, row.pengaduan_id):
            return "token_kasus_lain"
        if row.used_at is not None:
            return "token_terpakai"
        if row.revoked_at is not None:
            return "token_dicabut"
        if row.expires_at <= now:
            return "token_kedaluwarsa"
        if row.step != case.step and not self._after_closing(row.step, case.step):
            return "tahap_berlalu"
        # A token opens only the task it was issued with (None: a step without a task, such as
        # waiting for the reporter): an earlier round's task at the same step is not this one.
        if row.task_id != open_task:
            return "tugas_selesai"
        return ""

    def _after_closing(self, token_step: str, case_step: str) -> bool:
        """A token of a desk task that runs on a closed case (the letter to a reporter without
        email): it answers at the case's terminal step, while that task is open (checked next)."""
        sop = self.kit.sop
        errand, here = sop.steps.get(token_step), sop.steps.get(case_step)
        return errand is not None and errand.after_closing and here is not None and here.terminal

    def _refuse(
        self,
        session,
        case,
        applier,
        sender,
        verdict: GateVerdict,
        command,
        message: str = "",
        answer_to: str = "",
    ) -> None:
        """Record the refusal and explain it to `answer_to` (the From as written; "" for none)."""
        name = command.name if command else "(tidak ada perintah)"
        events.record(
            session,
            "perintah_ditolak",
            applier.now,
            pengaduan_id=case.id,
            raw_id=applier.source.id,
            actor=sender,
            summary=f"Balasan dari {sender or 'pengirim tanpa alamat'} ditolak "
            f"({name}): {_first_sentence(message or GATE_REASONS.get(verdict.reason, ''))}",
            detail=self._detail(verdict, command),
        )
        log.info(
            "case %s: reply refused (%s), message %s",
            case.number,
            verdict.reason,
            applier.source.message_id,
        )
        s = self.kit.settings
        if not answer_to or not take_notice(
            session,
            answer_to,
            verdict.reason,
            applier.now,
            s.office.tz,
            s.limits.notices_per_sender_per_day,
        ):
            return
        role = next(iter(sorted(verdict.roles)), "")
        explanation = message or GATE_REASONS.get(verdict.reason, "")
        applier.send(
            "penolakan",
            (answer_to,),
            {
                "alasan": explanation,
                "reason": verdict.reason,
                "perintah": name,
                "help": help_text(case.step, role, self.kit.sop, self.state(session, case))
                if role
                else "",
            },
            answer_source=True,
        )

    @staticmethod
    def _detail(verdict: GateVerdict, command) -> dict:
        return {
            "reason": verdict.reason,
            "roles": sorted(verdict.roles),
            "delegated": sorted(verdict.delegated),
            "token": "valid"
            if verdict.allowed and verdict.token
            else ("present" if verdict.token else "none"),
            "command": command.name if command else "",
            "args": command.args if command else "",
        }
