"""The reporter's consent commands (issue 10 item 5): IDENTITAS BOLEH DIBUKA / DIRAHASIAKAN.

Pure: every step x (reporter, staff) x command, the revocation after a letter went, and the
aliases."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.pelapor import (
    CONSENT_DATA,
    REPORTER_COMMAND_NAMES,
    letter_named_reporter,
    unsent_letter_names_reporter,
)
from dumas.workflow.sop.commands.registry import COMMANDS, commands_for, help_text, parse_command
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.definition import PELAPOR
from dumas.workflow.sop.effects import (
    Actor,
    CaseState,
    FileAttachments,
    Notify,
    Record,
    RenderDocument,
    ReplaceUnsent,
    UpdateCase,
)
from dumas.workflow.sop.machine import decide

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
SOP = load_sop({}, ["teknis"])
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=WIB)
EMAIL = "budi@example.org"
STAFF = ("desk", "sekretaris", "hukum", "ketua", "teknis")
GIVE, TAKE = "IDENTITAS BOLEH DIBUKA", "IDENTITAS DIRAHASIAKAN"


def state(step: str = "telaah", **changes) -> CaseState:
    base = dict(step=step, number="001/PGD/III/2026", subject="Politik uang", pelapor_email=EMAIL)
    return CaseState(**{**base, **changes})


def reporter(text: str, st: CaseState, attachments: tuple[str, ...] = ()):
    actor = Actor.of(EMAIL, PELAPOR)
    return decide(st, parse_command([text]), actor, NOW, SOP, CAL, attachments=attachments)


def update(decision) -> UpdateCase:
    (found,) = decision.of_type(UpdateCase)
    return found


@pytest.mark.parametrize(
    "text, name",
    [
        ("IDENTITAS BOLEH DIBUKA", GIVE),
        ("identitas boleh dibuka", GIVE),
        ("Identitas dapat dibuka.", GIVE),
        ("IDENTITAS SAYA BOLEH DIBUKA", GIVE),
        ("identitas boleh di-buka", GIVE),
        ("IDENTITAS DIRAHASIAKAN", TAKE),
        ("Rahasiakan identitas", TAKE),
        ("RAHASIAKAN IDENTITAS SAYA", TAKE),
        ("identitas saya dirahasiakan", TAKE),
    ],
)
def test_the_commands_and_their_aliases_parse(text, name):
    assert parse_command([text]).name == name


def test_prose_about_identity_is_no_command():
    for text in ("Identitas pelapor sudah lengkap.", "Identitas terlapor: Ketua KPPS 004"):
        assert parse_command([text]) is None


@pytest.mark.parametrize("step", sorted(SOP.steps))
def test_consent_at_every_step(step):
    st = state(step, confidential=True)
    decision = reporter(GIVE, st)
    assert decision.refusal is None
    assert decision.state.consent_to_share and not decision.state.confidential
    fields = update(decision)
    assert fields.fields["consent_to_share"] is True and fields.fields["confidential"] is False
    assert fields.fields["sifat"] == "biasa"  # "rahasia" came from the secrecy request
    assert fields.data[CONSENT_DATA]["setuju"] is True
    assert fields.data[CONSENT_DATA]["at"] == NOW.astimezone(UTC).isoformat()
    (record,) = decision.of_type(Record)
    assert (
        record.kind == "identitas_boleh_dibuka"
        and record.detail["at"] == NOW.astimezone(UTC).isoformat()
    )
    mails = {n.template: n for n in decision.of_type(Notify)}
    assert mails["persetujuan_identitas"].to == PELAPOR
    assert mails["persetujuan_identitas"].context["setuju"] is True
    told = mails["informasi"]
    expected = (
        "desk"
        if SOP.step(step).terminal or SOP.step(step).role == PELAPOR
        else SOP.acting_role(step, st.handler, st.conflict_role)
    )
    assert told.to == expected
    assert "IDENTITAS BOLEH DIBUKA" in told.context["message"]
    # Never the reporter's information: no reply to the role holder as new information.
    assert "informasi_pelapor" not in mails and record.kind != "balasan_pelapor"


@pytest.mark.parametrize("step", sorted(SOP.steps))
def test_revocation_at_every_step(step):
    decision = reporter(TAKE, state(step, consent_to_share=True))
    assert decision.refusal is None
    assert not decision.state.consent_to_share and decision.state.confidential
    fields = update(decision).fields
    assert fields == {"consent_to_share": False, "confidential": True, "sifat": "rahasia"}
    (record,) = decision.of_type(Record)
    assert record.kind == "identitas_dirahasiakan" and record.detail["surat_terkirim"] is False
    mail = next(n for n in decision.of_type(Notify) if n.template == "persetujuan_identitas")
    assert mail.context["setuju"] is False and mail.context["surat_terkirim"] is False


@pytest.mark.parametrize("step", sorted(SOP.steps))
@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("command", sorted(REPORTER_COMMAND_NAMES))
def test_staff_are_refused(step, role, command):
    st = state(step, consent_to_share=False)
    decision = decide(
        st, parse_command([command]), Actor.of(f"{role}@kpu.example", role), NOW, SOP, CAL
    )
    assert decision.refusal is not None and decision.refusal.reason == "not_your_role"
    assert decision.state == st and not decision.effects


def test_revocation_before_forwarding_tells_no_letter():
    decision = reporter(TAKE, state("telaah", consent_to_share=True))
    mail = next(n for n in decision.of_type(Notify) if n.template == "persetujuan_identitas")
    assert mail.context["surat_terkirim"] is False
    assert not decision.of_type(RenderDocument) and not decision.of_type(ReplaceUnsent)


def test_revocation_after_a_letter_naming_the_reporter_says_it_cannot_be_recalled():
    forwarded = state(
        "diteruskan",
        consent_to_share=True,
        forwarded_to="Bawaslu Kabupaten",
        identity_sent_to="Bawaslu Kabupaten",  # the outbox sent it
    )
    assert letter_named_reporter(forwarded) and not unsent_letter_names_reporter(forwarded)
    decision = reporter(TAKE, forwarded)
    assert decision.state.confidential and not decision.state.consent_to_share
    mail = next(n for n in decision.of_type(Notify) if n.template == "persetujuan_identitas")
    assert mail.context == {
        "number": forwarded.number,
        "setuju": False,
        "surat_terkirim": True,
        "instansi": "Bawaslu Kabupaten",
    }
    (record,) = decision.of_type(Record)
    assert record.detail["surat_terkirim"] is True and "tidak dapat ditarik" in record.summary
    assert not decision.of_type(RenderDocument) and not decision.of_type(ReplaceUnsent)
    told = next(n for n in decision.of_type(Notify) if n.template == "informasi")
    assert "memuat identitas pelapor" in told.context["message"]


def test_a_letter_approved_before_consent_was_redacted():
    # Approved first (the letter was made redacted), consent afterwards: nothing names them.
    st = state("telaah", forwarded_to="")
    given = reporter(GIVE, st)
    after = state("diteruskan", consent_to_share=True, forwarded_to="DKPP")
    assert unsent_letter_names_reporter(after)  # consent given before approval (below)
    late = state(
        "diteruskan",
        consent_to_share=True,
        forwarded_to="DKPP",
        data={CONSENT_DATA: {"setuju": True, "at": NOW.isoformat(), "setelah_diteruskan": True}},
    )
    assert not unsent_letter_names_reporter(late)
    assert update(given).data[CONSENT_DATA]["setelah_diteruskan"] is False
    assert not unsent_letter_names_reporter(state("diteruskan", forwarded_to="DKPP"))
    assert not unsent_letter_names_reporter(
        state("diteruskan", forwarded_to="DKPP", consent_to_share=True, confidential=True)
    )


def test_the_step_alone_says_nothing_about_a_letter_having_gone():
    # Forwarded with consent (the step is diteruskan) but the email still in the outbox.
    for step in ("diteruskan", "pengiriman_penerusan"):
        st = state(step, consent_to_share=True, forwarded_to="DKPP")
        assert not letter_named_reporter(st) and unsent_letter_names_reporter(st)
        mail = next(
            n for n in reporter(TAKE, st).of_type(Notify) if n.template == "persetujuan_identitas"
        )
        assert mail.context["surat_terkirim"] is False and mail.context["instansi"] == ""


AGENCY = {"agencies": {"dkpp": {"email": "dkpp@dkpp.example", "address": "Jakarta"}}}


def test_revocation_before_the_email_left_replaces_it_with_a_redacted_letter():
    sop = load_sop(AGENCY)
    st = state(
        "diteruskan", consent_to_share=True, forwarded_to="DKPP", data={"forwarded_key": "dkpp"}
    )
    decision = decide(st, parse_command([TAKE]), Actor.of(EMAIL, PELAPOR), NOW, sop, CAL)
    assert decision.of_type(RenderDocument) == [
        RenderDocument("surat_penerusan", {"tanpa_identitas": True})
    ]
    (swap,) = decision.of_type(ReplaceUnsent)
    assert swap.template == "penerusan_instansi"
    assert swap.replacement.to == "dkpp@dkpp.example"
    assert swap.replacement.documents == ("surat_penerusan",)
    # The case is confidential before the replacement is composed (effects apply in order).
    effects = list(decision.effects)
    assert effects.index(update(decision)) < effects.index(swap)
    (record,) = decision.of_type(Record)
    assert record.detail["surat_diganti"] is True and record.detail["surat_terkirim"] is False


def test_revocation_before_the_desk_posted_the_letter_gives_the_desk_a_redacted_one():
    st = state("pengiriman_penerusan", consent_to_share=True, forwarded_to="DKPP")
    decision = reporter(TAKE, st)
    assert decision.of_type(RenderDocument) == [
        RenderDocument("surat_penerusan", {"tanpa_identitas": True})
    ]
    assert not decision.of_type(ReplaceUnsent)
    told = next(n for n in decision.of_type(Notify) if n.template == "informasi")
    assert told.to == "desk" and told.documents == ("surat_penerusan",)
    assert "bukan surat sebelumnya" in told.context["message"]


@pytest.mark.parametrize("command", sorted(REPORTER_COMMAND_NAMES))
def test_files_sent_with_a_consent_statement_are_filed(command):
    decision = reporter(command, state("telaah"), attachments=("ktp.jpg",))
    assert decision.of_type(FileAttachments) == [FileAttachments("pengaduan")]
    assert not reporter(command, state("telaah")).of_type(FileAttachments)


def test_the_reporter_sees_the_commands_in_bantuan_staff_do_not():
    assert {c.name for c in commands_for("telaah", PELAPOR, SOP)} >= REPORTER_COMMAND_NAMES
    for role in STAFF:
        assert not {c.name for c in commands_for("telaah", role, SOP)} & REPORTER_COMMAND_NAMES
    assert GIVE in help_text("verifikasi", PELAPOR, SOP)


def test_the_confirmation_asks_for_a_reply_only_while_the_case_waits_on_the_reporter():
    waiting = reporter(GIVE, state("menunggu_pelapor"))
    mail = next(n for n in waiting.of_type(Notify) if n.template == "persetujuan_identitas")
    assert mail.reply_token is not None and mail.reply_token.role == PELAPOR
    telaah = reporter(GIVE, state("telaah"))
    mail = next(n for n in telaah.of_type(Notify) if n.template == "persetujuan_identitas")
    assert mail.reply_token is None


def test_every_reporter_command_is_registered():
    assert set(COMMANDS) >= REPORTER_COMMAND_NAMES
