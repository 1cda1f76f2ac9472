"""The reporter's consent to be named (issue 10 item 5), on the rig.

The reporter answers their acknowledgement with IDENTITAS BOLEH DIBUKA (the token of its
Reply-To proves their mailbox; the reply is not even signed): consent is recorded on the case and
the timeline, the reporter gets a confirmation and the desk is told. The same words in a forged
From (no token, no signature) change nothing and are kept as an unverified note. IDENTITAS
DIRAHASIAKAN before the case is forwarded takes the consent back with nothing to recall."""

from __future__ import annotations

from datetime import datetime

import pytest

from dumas.workflow.store import events
from tests import mailfactory as mf
from tests.flows.conftest import REPORTER, pdf_text, registered, to_telaah
from tests.replies import GMAIL_WEB_ID, IPHONE_ID, reply

GIVE, TAKE = "IDENTITAS BOLEH DIBUKA", "IDENTITAS DIRAHASIAKAN"


def _acknowledged(flow):
    """A registered complaint: its acknowledgement (which explains the consent) and the case."""
    registered(flow)
    ack = flow.one(REPORTER, "tanda_terima")
    assert "IDENTITAS BOLEH DIBUKA" in ack.text and "dirahasiakan" in ack.text
    printed = " ".join(pdf_text(data) for name, data in ack.attachments.items())
    assert "IDENTITAS BOLEH DIBUKA" in " ".join(printed.split())  # the tanda terima PDF too
    flow.later(minutes=20)
    return ack, flow.case()


def _answer(flow, ack, body: str) -> None:
    """The reporter answers the acknowledgement (its Reply-To token), unsigned."""
    reply(ack, body, sender=REPORTER, style=GMAIL_WEB_ID, dkim=False).send(flow.rig)
    flow.poll("intake", "outbox")


def test_the_reporter_consents_by_answering_the_acknowledgement(flow):
    ack, case = _acknowledged(flow)
    assert not case.consent_to_share
    _answer(flow, ack, GIVE)
    after = flow.case()
    assert after.consent_to_share and not after.confidential
    assert after.body == case.body  # a statement about the reporter, not information
    assert after.step == case.step
    [given] = flow.events(case.id, "identitas_boleh_dibuka")
    assert datetime.fromisoformat(given.detail["at"]) == flow.now  # the time, recorded
    assert flow.events(case.id, events.UNVERIFIED_NOTE) == []
    confirmed = flow.one(REPORTER, "persetujuan_identitas")
    assert case.number in confirmed.text and "IDENTITAS DIRAHASIAKAN" in confirmed.text
    told = flow.one("desk", "informasi")
    assert "IDENTITAS BOLEH DIBUKA" in told.text
    flow.nothing_for("sekretaris", "hukum", "ketua")


def test_a_forged_consent_changes_nothing(flow):
    ack, case = _acknowledged(flow)
    reply(
        ack,
        GIVE,
        sender="penipu@example.net",
        from_=REPORTER,
        strip_token=True,
        in_reply_to=False,
        style=IPHONE_ID,
    ).send(flow.rig)
    flow.poll("intake", "outbox")
    after = flow.case()
    assert not after.consent_to_share and after.body == case.body
    assert flow.events(case.id, "identitas_boleh_dibuka") == []
    [note] = flow.events(case.id, events.UNVERIFIED_NOTE)
    assert note.detail["text"].startswith(GIVE)
    flow.nothing_for(REPORTER)


def test_revocation_before_forwarding(flow):
    ack, case = _acknowledged(flow)
    _answer(flow, ack, GIVE)
    flow.inbox(REPORTER)
    flow.inbox("desk")
    flow.later(hours=1)
    _answer(flow, ack, TAKE)
    after = flow.case()
    assert not after.consent_to_share and after.confidential and after.sifat == "rahasia"
    [taken] = flow.events(case.id, "identitas_dirahasiakan")
    assert taken.detail["surat_terkirim"] is False
    confirmed = flow.one(REPORTER, "persetujuan_identitas")
    assert "dirahasiakan" in confirmed.text and "tidak dapat kami tarik" not in confirmed.text
    assert "mencabut persetujuan" in flow.one("desk", "informasi").text
    assert after.body == case.body


def test_consent_written_in_the_complaint(flow):
    registered(
        flow, body=mf.KOMPLAIN_LENGKAP + "\n\nIdentitas saya boleh disebutkan kepada Bawaslu.\n"
    )
    case = flow.case()
    assert case.consent_to_share and not case.confidential
    [given] = flow.events(case.id, "identitas_boleh_dibuka")
    assert given.detail["dari_teks"] is True
    ack = flow.one(REPORTER, "tanda_terima")
    assert "IDENTITAS DIRAHASIAKAN" in ack.text and "boleh dibuka" in ack.text
    printed = " ".join(pdf_text(data) for name, data in ack.attachments.items())
    assert "IDENTITAS DIRAHASIAKAN" in " ".join(printed.split())


BAWASLU = "bawaslu.mentawai@bawaslu.example"


@pytest.mark.dumas_settings(
    sop={"agencies": {"bawaslu": {"email": BAWASLU, "address": "Tuapejat"}}}
)
def test_revocation_after_the_letter_named_the_reporter(flow):
    """With consent, the surat penerusan names the reporter; a revocation afterwards is
    recorded, and the reporter is told that the letter already sent cannot be recalled."""
    hukum_note = to_telaah(flow)
    ack = flow.one(REPORTER, "tanda_terima")
    flow.later(minutes=10)
    _answer(flow, ack, GIVE)
    flow.inbox(REPORTER)
    flow.inbox("hukum")  # told of the consent: it holds the case now
    flow.later(days=1)
    flow.reply(
        hukum_note,
        "TERUSKAN BAWASLU dugaan pelanggaran administrasi pemilu\n"
        "Laporan hasil telaah: pelanggaran pemilu, kewenangan Bawaslu.",
        "hukum",
    )
    flow.poll()
    asked = [m for m in flow.inbox("sekretaris") if m.kind == "tugas"]
    if asked:  # the letter leaves only once the Sekretaris approves (issue 10 item 2)
        flow.later(hours=1)
        flow.reply(asked[0], "SETUJU", "sekretaris")
        flow.poll()
    letter = " ".join(
        pdf_text(*flow.one(BAWASLU, "penerusan_instansi").attachments.values()).split()
    )
    assert "Budi Santoso" in letter  # named, as agreed
    flow.inbox(REPORTER)
    flow.later(days=1)
    _answer(flow, ack, TAKE)
    case = flow.case()
    assert case.confidential and not case.consent_to_share
    [taken] = flow.events(case.id, "identitas_dirahasiakan")
    assert taken.detail["surat_terkirim"] is True
    told = " ".join(flow.one(REPORTER, "persetujuan_identitas").text.split())
    assert "tidak dapat kami tarik kembali" in told and "Bawaslu" in told
