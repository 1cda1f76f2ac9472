"""The reporter's own commands: consent to share their identity, and taking it back (issue 10
item 5).

`IDENTITAS BOLEH DIBUKA` lets the office name the reporter to the agency a case is forwarded to
(`consent_to_share`); `IDENTITAS DIRAHASIAKAN` takes that back and marks the case confidential.
Only the reporter gives them: the decision core refuses them from staff (`not_your_role`), and the
reply handler reaches the reporter path only for mail proven to be the reporter's (their token or
a proven From, docs/security.md), so unverified mail never changes consent.

Why consent clears `confidential`: the two flags say one thing, whether the identity may leave the
office (`identity_may_leave_office` is consent *and not* confidential). A reporter who first asked
for secrecy and later writes "IDENTITAS BOLEH DIBUKA" has changed their mind; their latest word
counts, and leaving `confidential` set would make the consent silently void. The timeline keeps
both statements.

Revocation works for everything that follows, but a letter that already named the reporter
cannot be recalled: the reply says so honestly (`letter_named_reporter`). "Already" is a fact, not
the case's step: the agency's email left the outbox, or the desk answered TERKIRIM on the letter
it posted (`CaseState.identity_sent_to`, filled in by the reply handler). A letter approved while
consent was in force but not yet gone is replaced by the same numbered letter without the
identity (`unsent_letter_names_reporter`): the email still waiting in the outbox is withdrawn and
the redacted one queued, or the desk gets the redacted letter to post instead.

Consent is given for the case, not for one agency: the reporter gives it before any agency is
chosen (the acknowledgement asks), is told of the agency only once the letter went, and a case is
forwarded once. An agency-bound consent would bind to a name the reporter never saw; the
revocation until the letter leaves is what protects them.

Files attached to a consent reply are the reporter's files like any other and are filed in the
case (`pengaduan`); only the statement itself stays out of the complaint's text.
"""

from __future__ import annotations

from dataclasses import replace

from dumas.workflow.sop.commands.base import Command
from dumas.workflow.sop.definition import PELAPOR, Agency
from dumas.workflow.sop.effects import (
    CaseState,
    Decision,
    Effect,
    FileAttachments,
    Notify,
    Record,
    RenderDocument,
    ReplaceUnsent,
    UpdateCase,
)
from dumas.workflow.sop.names import Role, StepName
from dumas.workflow.sop.transitions import Context, inform, stay_token

# Key of `Pengaduan.data` holding the latest consent statement: when, and whether the case had
# already been forwarded then (a letter sent before consent did not name the reporter).
CONSENT_DATA = "persetujuan_identitas"


def letter_named_reporter(state: CaseState) -> bool:
    """Whether a letter naming the reporter already left the office (the outbox sent it, or
    the desk posted it: `identity_sent_to`)."""
    return bool(state.identity_sent_to)


def unsent_letter_names_reporter(state: CaseState) -> bool:
    """Whether a surat penerusan approved with the reporter's identity has not left yet. The
    letter names the reporter exactly when it was approved (`forwarded_to` is set then) while
    consent was in force and the case not confidential (`redact_identity` of its params)."""
    if letter_named_reporter(state) or not state.forwarded_to:
        return False
    if not state.consent_to_share or state.confidential:
        return False
    given = state.data.get(CONSENT_DATA) or {}
    # Consent given after the approval: the letter was made redacted. A consent stated in the
    # complaint form (no record here) was in force from the start.
    return not (isinstance(given, dict) and given.get("setelah_diteruskan"))


def _filed(ctx: Context) -> tuple[Effect, ...]:
    """The reporter's files that came with the statement, filed like any reporter's files."""
    return (FileAttachments("pengaduan"),) if ctx.attachments else ()


FORWARDING_LETTER = "surat_penerusan"


def _replacement(ctx: Context) -> tuple[Effect, ...]:
    """The letter approved with the identity but not sent, replaced by its redacted version:
    the desk posts that one instead, or the agency's email waiting in the outbox is withdrawn
    and sent again with it."""
    redacted = RenderDocument(FORWARDING_LETTER, {"tanpa_identitas": True})
    if ctx.state.step == StepName.PENGIRIMAN_PENERUSAN:
        return (redacted,)  # the desk's own notice (`_told`) carries it
    key = str(ctx.state.data.get("forwarded_key") or "")
    agency = ctx.sop.agency(key) or Agency.from_snapshot(
        key, ctx.state.data.get("forwarded_agency") or {}
    )
    if agency is None or not agency.email:
        return (redacted,)
    about = {
        "number": ctx.state.number,
        "instansi": agency.name,
        "catatan": agency.note,
        "kepada": agency.addressee,
        "tempat": agency.tempat,
    }
    mail = Notify("penerusan_instansi", agency.email, about, (FORWARDING_LETTER,))
    return (redacted, ReplaceUnsent("penerusan_instansi", mail))


def _told(ctx: Context, message: str, documents: tuple[str, ...] = ()) -> Notify:
    """The role holder deciding now (the desk once the case is closed) hears of the change."""
    step = ctx.step
    who = (
        Role.DESK
        if step.terminal or step.role == PELAPOR
        else ctx.sop.acting_role(step.name, ctx.state.handler, ctx.state.conflict_role)
    )
    return inform(who, message, ctx, documents)


class IdentitasDibuka(Command):
    name, aliases = (
        "IDENTITAS BOLEH DIBUKA",
        (
            "IDENTITAS DAPAT DIBUKA",
            "IDENTITAS SAYA BOLEH DIBUKA",
            "IDENTITAS SAYA DAPAT DIBUKA",
            "IDENTITAS BOLEH DISAMPAIKAN",
            "SHARE MY IDENTITY",
        ),
    )
    example = "IDENTITAS BOLEH DIBUKA"
    summary = (
        "(Pelapor) Menyetujui identitas Anda disampaikan kepada instansi yang menerima "
        "penerusan pengaduan ini."
    )

    def process(self, ctx: Context, args: None) -> Decision:
        st = ctx.state
        at = ctx.now.isoformat()
        new = replace(st, consent_to_share=True, confidential=False)
        fields: dict[str, object] = {"consent_to_share": True, "confidential": False}
        if st.confidential:
            fields["sifat"] = "biasa"  # "rahasia" was set only because of the secrecy request
        return Decision(
            new,
            (
                UpdateCase(
                    fields,
                    {
                        CONSENT_DATA: {
                            "setuju": True,
                            "at": at,
                            "setelah_diteruskan": bool(st.forwarded_to),
                        }
                    },
                ),
                *_filed(ctx),
                Record(
                    "identitas_boleh_dibuka",
                    "Pelapor menyetujui identitasnya disampaikan kepada instansi penerima "
                    "penerusan pengaduan.",
                    {"at": at, "sebelumnya_rahasia": st.confidential},
                ),
                Notify(
                    "persetujuan_identitas",
                    PELAPOR,
                    {"number": st.number, "setuju": True, "surat_terkirim": False, "instansi": ""},
                    reply_token=stay_token(st, ctx),
                ),
                _told(
                    ctx,
                    "Pelapor menyetujui identitasnya disampaikan kepada instansi yang menerima "
                    "penerusan pengaduan ini (balasan IDENTITAS BOLEH DIBUKA). Surat penerusan "
                    "yang dibuat sejak saat ini mencantumkan identitas pelapor.",
                ),
            ),
        )


class IdentitasDirahasiakan(Command):
    name, aliases = (
        "IDENTITAS DIRAHASIAKAN",
        (
            "RAHASIAKAN IDENTITAS",
            "RAHASIAKAN IDENTITAS SAYA",
            "IDENTITAS SAYA DIRAHASIAKAN",
            "KEEP MY IDENTITY SECRET",
        ),
    )
    example = "IDENTITAS DIRAHASIAKAN"
    summary = (
        "(Pelapor) Meminta identitas Anda dirahasiakan; persetujuan sebelumnya dicabut untuk "
        "surat yang dibuat sesudahnya."
    )

    def process(self, ctx: Context, args: None) -> Decision:
        st = ctx.state
        at = ctx.now.isoformat()
        sent = letter_named_reporter(st)
        replaced = _replacement(ctx) if unsent_letter_names_reporter(st) else ()
        new = replace(st, consent_to_share=False, confidential=True)
        staff_line = (
            "Pelapor mencabut persetujuan dan meminta identitasnya dirahasiakan (balasan "
            "IDENTITAS DIRAHASIAKAN). Surat dan email kepada pihak di luar kantor sejak saat ini "
            "tidak mencantumkan identitas pelapor."
        )
        if sent:
            staff_line += (
                f" Catatan: surat penerusan kepada {st.identity_sent_to} yang telah dikirim "
                "sebelumnya memuat identitas pelapor."
            )
        desk_posts = bool(replaced) and st.step == StepName.PENGIRIMAN_PENERUSAN
        if desk_posts:
            staff_line += (
                " Surat penerusan terlampir (nomor yang sama, tanpa identitas pelapor) "
                "menggantikan surat yang disampaikan sebelumnya: mohon kirimkan surat terlampir, "
                "bukan surat sebelumnya, lalu balas TERKIRIM pada email tugas pengiriman."
            )
        elif replaced:
            staff_line += (
                f" Surat penerusan kepada {st.forwarded_to} yang belum terkirim diganti dengan "
                "surat bernomor sama tanpa identitas pelapor."
            )
        return Decision(
            new,
            (
                UpdateCase(
                    {"consent_to_share": False, "confidential": True, "sifat": "rahasia"},
                    {
                        CONSENT_DATA: {
                            "setuju": False,
                            "at": at,
                            "setelah_diteruskan": bool(st.forwarded_to),
                        },
                    },
                ),
                *_filed(ctx),
                *replaced,
                Record(
                    "identitas_dirahasiakan",
                    "Pelapor meminta identitasnya dirahasiakan"
                    + (
                        f"; surat penerusan kepada {st.identity_sent_to} yang memuat identitas "
                        "pelapor sudah terkirim sebelumnya dan tidak dapat ditarik kembali."
                        if sent
                        else "; surat penerusan yang belum terkirim diganti dengan surat tanpa "
                        "identitas pelapor."
                        if replaced
                        else "."
                    ),
                    {
                        "at": at,
                        "surat_terkirim": sent,
                        "surat_diganti": bool(replaced),
                        "sebelumnya_setuju": st.consent_to_share,
                    },
                ),
                Notify(
                    "persetujuan_identitas",
                    PELAPOR,
                    {
                        "number": st.number,
                        "setuju": False,
                        "surat_terkirim": sent,
                        "instansi": st.identity_sent_to if sent else "",
                    },
                    reply_token=stay_token(st, ctx),
                ),
                _told(ctx, staff_line, (FORWARDING_LETTER,) if desk_posts else ()),
            ),
        )


REPORTER_COMMANDS: tuple[Command, ...] = (IdentitasDibuka(), IdentitasDirahasiakan())
REPORTER_COMMAND_NAMES = frozenset(c.name for c in REPORTER_COMMANDS)
