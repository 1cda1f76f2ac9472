"""Attack 7 (issue 9): mail forged in the reporter's name with the case number.

Before: the From header alone made a message the reporter's: a forger appended "I withdraw my
complaint" to the case body, filed fake evidence, moved a case from `menunggu_pelapor` back to
`verifikasi`, and could ask STATUS without limit. Now such mail is kept as an unverified note
for the desk and changes nothing; the reporter's own answers (the routing token of the mail we
sent them, or their domain's DKIM signature) still work."""

from __future__ import annotations

from dumas.workflow.store import events
from tests import mailfactory as mf
from tests.flows.conftest import REPORTER, registered
from tests.replies import GMAIL_WEB_ID, IPHONE_ID, reply

WITHDRAWAL = "Saya mencabut pengaduan saya. Mohon kasus ini ditutup saja."


def _waiting_on_reporter(flow):
    desk_note = registered(flow)
    flow.inbox(REPORTER)  # the acknowledgement
    flow.later(minutes=10)
    flow.reply(desk_note, "LENGKAPI Mohon lampirkan foto kejadian.", "desk", style=GMAIL_WEB_ID)
    flow.poll()
    flow.inbox("desk")
    return flow.one(REPORTER, "permintaan_kelengkapan")


def _forged(note, body: str, **kwargs):
    """The forger writes on the case with the reporter's From, but has none of their mail: no
    routing token (sent to the case address, not the Reply-To) and no signature of theirs."""
    return reply(
        note,
        body,
        sender="penipu@example.net",
        from_=REPORTER,
        strip_token=True,
        in_reply_to=False,
        style=IPHONE_ID,
        **kwargs,
    )


def test_mail_forged_in_the_reporters_name_changes_nothing(flow):
    ask = _waiting_on_reporter(flow)
    case = flow.case()
    body_before = case.body
    before = flow.snapshot(case.id)
    flow.later(hours=1)
    evidence = [("bukti_palsu.jpg", "image/jpeg", mf.tiny_jpeg())]
    _forged(ask, WITHDRAWAL, attachments=evidence).send(flow.rig)
    flow.poll("intake", "outbox")
    after = flow.snapshot(case.id)
    kept = flow.attachments(case.id, events.UNVERIFIED_STEP)
    assert [a.filename for a in kept] == ["bukti_palsu.jpg"]  # kept, apart from the evidence
    assert {k: v for k, v in after.items() if k != "attachments"} == {
        k: v for k, v in before.items() if k != "attachments"
    }
    assert flow.case().step == "menunggu_pelapor" and flow.case().body == body_before
    [note] = flow.events(case.id, events.UNVERIFIED_NOTE)
    assert note.detail["text"].startswith("Saya mencabut") and note.actor == REPORTER
    # The desk hears of it once, as a note, without the forged file.
    told = flow.one("desk", "informasi")
    assert "CATATAN BELUM TERVERIFIKASI" in told.text and "Saya mencabut" in told.text
    assert told.attachments == {}
    flow.nothing_for(REPORTER)

    # A second forgery the same day is kept but mails nobody.
    flow.later(minutes=30)
    _forged(ask, "Tambahan: saya tidak jadi melapor.").send(flow.rig)
    flow.poll("intake", "outbox")
    assert len(flow.events(case.id, events.UNVERIFIED_NOTE)) == 2
    flow.nothing_for("desk", REPORTER)

    # The reporter's real answer (the LENGKAPI request's Reply-To token) moves the case, and
    # the desk's new request carries the note it has not seen yet — only that one.
    flow.later(hours=2)
    flow.reply(ask, "Foto kejadian terlampir.", REPORTER, style=GMAIL_WEB_ID, attachments=evidence)
    flow.poll()
    assert flow.case().step == "verifikasi"
    task = flow.one("desk", "tugas")
    assert "tidak jadi melapor" in task.text and "Saya mencabut" not in task.text
    assert "tidak jadi melapor" in task.html


def test_forged_status_requests_are_limited(flow):
    ask = _waiting_on_reporter(flow)
    limit = flow.app.settings.limits.notices_per_sender_per_day
    for _ in range(limit + 3):
        flow.later(minutes=1)
        _forged(ask, "STATUS").send(flow.rig)
    flow.poll("intake", "outbox")
    answers = [m for m in flow.inbox(REPORTER) if m.kind == "status_pelapor"]
    assert len(answers) == limit


def test_the_reporters_signed_mail_counts_without_the_token(flow):
    """A new message (not a reply to ours) from the reporter's own signed mailbox."""
    ask = _waiting_on_reporter(flow)
    flow.later(hours=1)
    reply(
        ask, "Foto kejadian terlampir.", sender=REPORTER, strip_token=True, in_reply_to=False
    ).send(flow.rig)
    flow.poll("intake", "outbox")
    case = flow.case()
    assert case.step == "verifikasi" and "Foto kejadian terlampir." in case.body
    assert flow.events(case.id, events.UNVERIFIED_NOTE) == []
