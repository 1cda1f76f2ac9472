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
from tests.replies import GMAIL_WEB_ID, IPHONE_ID, pdf_with_text, reply

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


def _forwarding_proposed(flow):
    """Consent given by answering the acknowledgement, then Hukum proposes TERUSKAN BAWASLU;
    returns the acknowledgement and the Sekretaris's approval request."""
    hukum_note = to_telaah(flow)
    ack = flow.one(REPORTER, "tanda_terima")
    flow.later(minutes=10)
    _answer(flow, ack, GIVE)
    flow.inbox(REPORTER)
    flow.inbox("hukum")
    flow.later(days=1)
    flow.reply(
        hukum_note,
        "TERUSKAN BAWASLU dugaan pelanggaran administrasi pemilu\n"
        "Laporan hasil telaah: pelanggaran pemilu, kewenangan Bawaslu.",
        "hukum",
    )
    flow.poll()
    [ask] = [m for m in flow.inbox("sekretaris") if m.kind == "tugas"]
    flow.later(hours=1)
    return ack, ask


def _letter(mail) -> str:
    [data] = [d for n, d in mail.attachments.items() if n.startswith("surat-penerusan")]
    return " ".join(pdf_text(data).split())


def _nomor(text: str) -> str:
    return next(w for w in text.split() if "/PP.04-SD/" in w)


@pytest.mark.dumas_settings(
    sop={"agencies": {"bawaslu": {"email": BAWASLU, "address": "Tuapejat"}}}
)
def test_revocation_while_the_email_to_the_agency_waits_replaces_the_letter(flow, tmp_path):
    """Approved with consent, but the email to the agency still in the outbox: the letter has
    not gone, so the revocation holds. The waiting email is withdrawn; the agency gets the same
    numbered letter without the identity (the one `dumas verify` knows). Files the reporter
    attached to the revocation are filed in the case."""
    ack, ask = _forwarding_proposed(flow)
    flow.reply(ask, "SETUJU", "sekretaris")
    flow.poll("intake", "documents")  # approved and rendered; the outbox has not run
    assert flow.case().step == "diteruskan"
    flow.later(minutes=30)
    scan = pdf_with_text("Pernyataan pelapor")
    reply(
        ack,
        TAKE,
        sender=REPORTER,
        style=GMAIL_WEB_ID,
        dkim=False,
        attachments=[("pernyataan.pdf", "application/pdf", scan)],
    ).send(flow.rig)
    flow.poll()
    case = flow.case()
    assert case.confidential and not case.consent_to_share
    [taken] = flow.events(case.id, "identitas_dirahasiakan")
    assert taken.detail["surat_terkirim"] is False and taken.detail["surat_diganti"] is True
    [withdrawn] = flow.events(case.id, "surat_diganti")
    assert len(withdrawn.detail["ditarik"]) == 1
    [mail] = flow.inbox(BAWASLU)  # the replacement only
    assert mail.kind == "penerusan_instansi"
    letter = _letter(mail)
    assert "Budi Santoso" not in letter and "Santoso" not in mail.text
    assert REPORTER not in mail.text
    told = " ".join(flow.one(REPORTER, "persetujuan_identitas").text.split())
    assert "tidak dapat kami tarik" not in told
    assert "pernyataan.pdf" in [a.filename for a in flow.attachments(case.id, "pengaduan")]
    sent = tmp_path / "surat.pdf"
    [sent_bytes] = [d for n, d in mail.attachments.items() if n.startswith("surat-penerusan")]
    sent.write_bytes(sent_bytes)
    rc, out = flow._dumas("verify", str(sent))
    assert rc == 0 and "VERIFIED" in out and _nomor(letter) in out, out


def test_revocation_before_the_desk_posts_the_letter_gives_the_desk_a_redacted_one(flow):
    """No agency address: the desk holds the numbered letter naming the reporter until it
    answers TERKIRIM. A revocation before that holds: the desk gets the same letter without the
    identity to post instead, and the letter posted never named the reporter."""
    ack, ask = _forwarding_proposed(flow)
    flow.reply(ask, "SETUJU", "sekretaris")
    flow.poll()
    desk_task = flow.one("desk", "tugas")
    named = _letter(desk_task)
    assert "Budi Santoso" in named
    flow.later(hours=1)
    _answer(flow, ack, TAKE)
    flow.poll()
    case = flow.case()
    [taken] = flow.events(case.id, "identitas_dirahasiakan")
    assert taken.detail["surat_terkirim"] is False and taken.detail["surat_diganti"] is True
    told = flow.one("desk", "informasi")
    assert "bukan surat sebelumnya" in " ".join(told.text.split())
    redacted = _letter(told)
    assert "Budi Santoso" not in redacted and _nomor(redacted) == _nomor(named)
    assert "tidak dapat kami tarik" not in flow.one(REPORTER, "persetujuan_identitas").text

    flow.later(hours=2)
    flow.reply(desk_task, "TERKIRIM melalui Pos Indonesia", "desk", style=IPHONE_ID)
    flow.poll()
    assert flow.case().step == "diteruskan"
    assert "Budi Santoso" not in _letter(flow.one("ketua", "informasi"))  # the tembusan
    flow.inbox(REPORTER)
    # Consent again, and taken back again: what was posted never named them.
    flow.later(days=1)
    _answer(flow, ack, GIVE)
    flow.later(hours=1)
    _answer(flow, ack, TAKE)
    last = flow.events(case.id, "identitas_dirahasiakan")[-1]
    assert last.detail["surat_terkirim"] is False and last.detail["surat_diganti"] is False


def test_revocation_after_the_desk_posted_the_letter_naming_the_reporter(flow):
    ack, ask = _forwarding_proposed(flow)
    flow.reply(ask, "SETUJU", "sekretaris")
    flow.poll()
    desk_task = flow.one("desk", "tugas")
    flow.later(hours=2)
    flow.reply(desk_task, "TERKIRIM", "desk", style=IPHONE_ID)
    flow.poll()
    flow.inbox(REPORTER)
    flow.inbox("desk")
    flow.later(days=1)
    _answer(flow, ack, TAKE)
    case = flow.case()
    [taken] = flow.events(case.id, "identitas_dirahasiakan")
    assert taken.detail["surat_terkirim"] is True and taken.detail["surat_diganti"] is False
    told = " ".join(flow.one(REPORTER, "persetujuan_identitas").text.split())
    assert "tidak dapat kami tarik kembali" in told and "Bawaslu" in told
    assert "memuat identitas pelapor" in " ".join(flow.one("desk", "informasi").text.split())
