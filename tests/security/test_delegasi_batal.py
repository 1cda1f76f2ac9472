"""Delegation you can see and undo: DELEGASI BATAL ends it, and the deputy's power, at once."""

from __future__ import annotations

from datetime import timedelta

from dumas.workflow.store.models import Delegation
from tests.flows.conftest import REPORTER, to_disposisi
from tests.replies import GMAIL_WEB_ID, OUTLOOK_ID


def test_delegasi_batal_cancels_at_once(flow, rig):
    deputy = rig.new_user("wakil").address
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(minutes=30)
    until = (flow.now + timedelta(days=3)).date()
    flow.reply(note, f"DELEGASI {deputy} sampai {until:%d-%m-%Y}", "sekretaris", style=OUTLOOK_ID)
    flow.poll()
    handed = flow.one(deputy, "tugas")
    mine = flow.one("sekretaris", "delegasi_konfirmasi")
    assert "DELEGASI BATAL" in mine.text and deputy in mine.text
    assert "DELEGASI BATAL" in flow.one("ketua", "delegasi_konfirmasi").text

    # The principal cancels by answering the confirmation; the deputy tries to decide after.
    flow.later(minutes=10)
    flow.reply(mine, "DELEGASI BATAL", "sekretaris", style=GMAIL_WEB_ID)
    flow.poll("intake", "outbox")
    flow.later(minutes=10)
    flow.reply(handed, "DISPOSISI HUKUM", deputy, style=GMAIL_WEB_ID)
    flow.poll("intake", "outbox")
    case = flow.case()
    assert case.step == "disposisi"
    [row] = flow.rows(Delegation)
    assert row.revoked_at is not None and row.revoked_by == flow.address("sekretaris")
    assert [e.kind for e in flow.events(case.id, "delegasi_batal")] == ["delegasi_batal"]
    [refused] = flow.events(case.id, "perintah_ditolak")
    assert (refused.actor, refused.detail["reason"]) == (deputy, "pengirim_tidak_dikenal")
    assert flow.one("ketua", "delegasi_batal")
    assert flow.one("sekretaris", "delegasi_batal")
    # The principal still decides herself, with the fresh token of her last transcript.
    last = [m for m in flow.inbox("sekretaris") if m.kind == "transkrip"][-1]
    assert "Dilaksanakan: DELEGASI BATAL" in last.text and last.token
    flow.reply(last, "DISPOSISI HUKUM", "sekretaris", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    assert flow.case().step == "telaah"
