"""Review of issue 9: anyone writing with a case tag (neither reporter nor staff) sent the desk
one email per message, with their text, links and files. Now the desk hears from one sender at
most `notices_per_sender_per_day` times a day; the rest is kept on the case."""

from __future__ import annotations

import pytest

from tests.flows.conftest import REPORTER, registered
from tests.replies import GMAIL_WEB_ID, reply


@pytest.mark.dumas_settings(limits={"notices_per_sender_per_day": 2})
def test_an_outsider_reaches_the_desk_a_few_times_a_day_at_most(flow):
    desk_note = registered(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    case_id = flow.case().id
    for n in range(5):
        reply(
            desk_note,
            f"Informasi tambahan nomor {n}: klik http://hadiah.example",
            sender=f"orang.lain+{n}@example.net",
            strip_token=True,
            in_reply_to=False,
            style=GMAIL_WEB_ID,
        ).send(flow.rig)
    flow.poll("intake", "outbox")
    told = [m for m in flow.inbox("desk") if m.kind == "informasi"]
    assert len(told) == 2
    kept = flow.events(case_id, "informasi_pihak_lain")
    assert len(kept) == 5 and [e.detail["told"] for e in kept] == [True, True, False, False, False]
