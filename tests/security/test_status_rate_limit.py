"""Attack 11 (issue 9), last sentence: a forged STATUS from a staff address needs no token and
had no rate limit — every one sent a full status email to that staff member."""

from __future__ import annotations

import pytest

from tests.flows.conftest import REPORTER, registered, to_disposisi
from tests.replies import OUTLOOK_ID, reply


@pytest.mark.dumas_settings(limits={"staff_status_per_day": 2})
def test_staff_status_without_a_token_is_rate_limited(flow):
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    case_id = flow.case().id
    for _ in range(5):
        reply(
            note,
            "STATUS",
            sender=flow.address("sekretaris"),
            strip_token=True,
            in_reply_to=False,
            style=OUTLOOK_ID,
        ).send(flow.rig)
        flow.poll("intake", "outbox")
    kinds = [m.kind for m in flow.inbox("sekretaris")]
    assert kinds.count("status") == 2 and kinds.count("penolakan") == 1, kinds
    refused = flow.events(case_id, "perintah_ditolak")
    assert [e.detail["reason"] for e in refused] == ["status_dibatasi"] * 3
    # With her own task email, STATUS is not counted.
    flow.reply(note, "STATUS", "sekretaris", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    assert flow.one("sekretaris", "status")


@pytest.mark.dumas_settings(limits={"staff_status_per_day": 1})
def test_a_spent_token_does_not_lift_the_staff_status_limit(flow):
    # The desk's task email, once decided, is in every mailbox it was forwarded to: its used
    # token must not make STATUS from the desk's (forgeable) address free again.
    desk_note = registered(flow)
    flow.later(minutes=5)
    flow.reply(desk_note, "LENGKAP", "desk")
    flow.poll()
    flow.inbox("desk")
    for _ in range(3):
        flow.reply(desk_note, "STATUS", "desk", style=OUTLOOK_ID)
        flow.poll("intake", "outbox")
    kinds = [m.kind for m in flow.inbox("desk")]
    assert kinds.count("status") == 1 and kinds.count("penolakan") == 1, kinds


@pytest.mark.dumas_settings(limits={"staff_status_per_day": 1})
def test_a_leaked_live_token_does_not_lift_the_limit_for_a_forged_from(flow):
    """Review of issue 9: a live token from a forwarded task email, with her From forged (no
    signature), made STATUS unlimited; only her proven mail is exempt."""
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    for _ in range(3):
        reply(
            note,
            "STATUS",
            sender="penyerang@example.net",
            from_=flow.address("sekretaris"),
            style=OUTLOOK_ID,
        ).send(flow.rig)
        flow.poll("intake", "outbox")
    kinds = [m.kind for m in flow.inbox("sekretaris")]
    assert kinds.count("status") == 1 and kinds.count("penolakan") == 1, kinds
    # Her own signed STATUS with the same live token is still free.
    flow.reply(note, "STATUS", "sekretaris", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    assert flow.one("sekretaris", "status")
