"""Attack 11 (issue 9): tokens bound to a step, not a task. STATUS, BANTUAN and alerts minted
extra tokens that stayed valid, and an old round's token decided LENGKAP in a later round."""

from __future__ import annotations

from dumas.workflow.store.models import Task
from tests import mailfactory as mf
from tests.flows.conftest import registered
from tests.replies import GMAIL_WEB_ID, IPHONE_ID, OUTLOOK_ID

REPORTER = "warga.peduli@yahoo.co.id"


def _case_waiting_for_the_reporter(flow):
    """A complaint missing data; returns the desk's request."""
    desk_note = registered(
        flow,
        sender=f"Warga Peduli <{REPORTER}>",
        subject="laporan petugas tidak netral",
        body=mf.KOMPLAIN_KURANG,
    )
    flow.inbox(REPORTER)
    return desk_note


def _lengkapi(flow, note):
    """The desk asks for more; returns (the reporter's request, the desk's transcript)."""
    flow.later(minutes=10)
    flow.reply(note, "LENGKAPI Mohon sebutkan lokasi kejadian.", "desk", style=GMAIL_WEB_ID)
    flow.poll()
    return flow.one(REPORTER, "permintaan_kelengkapan"), flow.one("desk", "transkrip")


def _reporter_answers(flow, ask):
    """… and the reporter answers: a new verification round; returns the desk's new request."""
    flow.later(hours=1)
    flow.reply(
        ask,
        "Kejadiannya di TPS 02 Desa Muntei, Kecamatan Siberut Selatan.",
        REPORTER,
        style=IPHONE_ID,
    )
    flow.poll()
    flow.inbox(REPORTER)
    return flow.one("desk", "tugas")


def test_status_and_reminders_do_not_revive_an_old_token(flow):
    desk_note = _case_waiting_for_the_reporter(flow)
    case_id = flow.case().id
    # Round 1: STATUS and BANTUAN answers and the overdue alert each carry a token.
    flow.later(minutes=5)
    flow.reply(desk_note, "STATUS", "desk", style=OUTLOOK_ID)
    flow.reply(desk_note, "BANTUAN", "desk", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    status, bantuan = flow.one("desk", "status"), flow.one("desk", "bantuan")
    [task] = [t for t in flow.tasks(case_id) if t.closed_at is None]
    flow.at(task.due_at + (task.due_at - task.opened_at))
    flow.poll()
    late = flow.one("desk", "terlambat")
    flow.inbox("sekretaris")
    assert status.token and bantuan.token and late.token
    ask, _ = _lengkapi(flow, desk_note)
    again = _reporter_answers(flow, ask)
    assert flow.case().step == "verifikasi"  # round 2: the same step, a new task
    # None of round 1's extra tokens decides round 2.
    for old in (status, bantuan, late):
        flow.later(minutes=1)
        flow.reply(old, "LENGKAP", "desk", style=OUTLOOK_ID)
        flow.poll("intake", "outbox")
        assert flow.case().step == "verifikasi", old.kind
    reasons = [e.detail["reason"] for e in flow.events(case_id, "perintah_ditolak")]
    assert len(reasons) == 3 and set(reasons) <= {"token_dicabut", "tugas_selesai"}
    # STATUS on the old email answers, but its token belongs to the task open now, and dies
    # with it when the desk decides through the new request.
    flow.inbox("desk")
    flow.reply(status, "STATUS", "desk", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    fresh = flow.one("desk", "status")
    open_task = [t for t in flow.tasks(case_id) if t.closed_at is None][-1]
    assert flow.token_row(fresh).task_id == open_task.id
    flow.reply(again, "LENGKAP", "desk", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    assert flow.case().step == "disposisi"
    assert flow.token_row(fresh).revoked_at is not None
    assert flow.rows(Task, id=open_task.id)[0].closed_at is not None


def test_an_old_rounds_token_cannot_decide_a_later_round(flow):
    desk_note = _case_waiting_for_the_reporter(flow)
    case_id = flow.case().id
    ask, first_transcript = _lengkapi(flow, desk_note)
    assert first_transcript.token  # round 1: the desk may still say LENGKAP while waiting
    again = _reporter_answers(flow, ask)
    _lengkapi(flow, again)  # round 2: waiting for the reporter again
    assert flow.case().step == "menunggu_pelapor"
    flow.later(minutes=5)
    flow.reply(first_transcript, "LENGKAP", "desk", style=IPHONE_ID)
    flow.poll("intake", "outbox")
    assert flow.case().step == "menunggu_pelapor"
    [refused] = flow.events(case_id, "perintah_ditolak")
    assert refused.detail["reason"] == "token_dicabut"
    assert flow.token_row(first_transcript).used_at is None
