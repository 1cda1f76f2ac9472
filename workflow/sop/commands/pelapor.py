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
cannot be recalled: the reply says so honestly (`letter_named_reporter`).
"""

from __future__ import annotations

from dataclasses import replace

from dumas.workflow.sop.commands.base import Command
from dumas.workflow.sop.definition import PELAPOR
from dumas.workflow.sop.effects import CaseState, Decision, Notify, Record, UpdateCase
from dumas.workflow.sop.names import Role
from dumas.workflow.sop.transitions import Context, inform, stay_token

# Key of `Pengaduan.data` holding the latest consent statement: when, and whether the case had
# already been forwarded then (a letter sent before consent did not name the reporter).
CONSENT_DATA = "persetujuan_identitas"
# Key of `Pengaduan.data` naming the agency that received a letter naming the reporter, once a
# revocation found one (a later consent and revocation must still say so).
LETTER_SENT_DATA = "surat_beridentitas_terkirim"


def letter_named_reporter(state: CaseState) -> bool:
    """Whether a letter naming the reporter already left the office: the case was forwarded
    while consent was in force (the surat penerusan is rendered with the identity exactly when
    consent is given and the case is not confidential; see `identity_may_leave_office`)."""
    if state.data.get(LETTER_SENT_DATA):  # found by an earlier revocation: it stays true
        return True
    if not state.forwarded_to or not state.consent_to_share or state.confidential:
        return False
    given = state.data.get(CONSENT_DATA) or {}
    # Consent given after the forwarding: the letter that went was redacted. A consent stated in
    # the complaint form (no record here) was in force from the start.
    return not (isinstance(given, dict) and given.get("setelah_diteruskan"))


def _told(ctx: Context, message: str) -> Notify:
    """The role holder deciding now (the desk once the case is closed) hears of the change."""
    step = ctx.step
    who = (
        Role.DESK
        if step.terminal or step.role == PELAPOR
        else ctx.sop.acting_role(step.name, ctx.state.handler, ctx.state.conflict_role)
    )
    return inform(who, message, ctx)


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
        new = replace(st, consent_to_share=False, confidential=True)
        staff_line = (
            "Pelapor mencabut persetujuan dan meminta identitasnya dirahasiakan (balasan "
            "IDENTITAS DIRAHASIAKAN). Surat dan email kepada pihak di luar kantor sejak saat ini "
            "tidak mencantumkan identitas pelapor."
        )
        if sent:
            staff_line += (
                f" Catatan: surat penerusan kepada {st.forwarded_to} yang telah dikirim "
                "sebelumnya memuat identitas pelapor."
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
                        **({LETTER_SENT_DATA: st.forwarded_to or True} if sent else {}),
                    },
                ),
                Record(
                    "identitas_dirahasiakan",
                    "Pelapor meminta identitasnya dirahasiakan"
                    + (
                        f"; surat penerusan kepada {st.forwarded_to} yang memuat identitas "
                        "pelapor sudah terkirim sebelumnya dan tidak dapat ditarik kembali."
                        if sent
                        else "."
                    ),
                    {"at": at, "surat_terkirim": sent, "sebelumnya_setuju": st.consent_to_share},
                ),
                Notify(
                    "persetujuan_identitas",
                    PELAPOR,
                    {
                        "number": st.number,
                        "setuju": False,
                        "surat_terkirim": sent,
                        "instansi": st.forwarded_to if sent else "",
                    },
                    reply_token=stay_token(st, ctx),
                ),
                _told(ctx, staff_line),
            ),
        )


REPORTER_COMMANDS: tuple[Command, ...] = (IdentitasDibuka(), IdentitasDirahasiakan())
REPORTER_COMMAND_NAMES = frozenset(c.name for c in REPORTER_COMMANDS)
