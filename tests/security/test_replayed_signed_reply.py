"""Review of issue 9: an old signed reply of a role holder, replayed with a live token.

Before: the proof needed From, Subject and Content-Type signed; the token rides in To (or the
thread headers), which Microsoft 365 does not sign. An old signed reply of the Sekretaris, its
recipient swapped for the plus-address of a task email that leaked, decided the new task. Now a
reply dated before the email it answers (its Date signed) decides nothing."""

from __future__ import annotations

from datetime import timedelta

from tests.flows.conftest import REPORTER, to_disposisi
from tests.replies import OUTLOOK_ID, reply


def test_an_old_signed_reply_with_a_leaked_token_decides_nothing(flow):
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    case_id = flow.case().id
    before = flow.snapshot(case_id)
    # Signed by her domain (the rig's key stands in for the provider's), dated a day before the
    # task email whose token it carries: a reply she wrote to something else, re-sent.
    old = reply(
        note,
        "DISPOSISI HUKUM",
        sender=flow.address("sekretaris"),
        style=OUTLOOK_ID,
        in_reply_to=False,
        date=note.date - timedelta(days=1),
    )
    old.send(flow.rig)
    flow.poll("intake", "outbox")
    assert flow.snapshot(case_id) == before
    [refused] = flow.events(case_id, "perintah_ditolak")
    assert refused.detail["reason"] == "balasan_lebih_lama"
    flow.nothing_for("hukum")
    # Her real answer, written after the task email, still decides.
    flow.reply(note, "DISPOSISI HUKUM", "sekretaris", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    assert flow.case().step == "telaah"
