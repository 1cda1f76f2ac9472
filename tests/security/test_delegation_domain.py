"""Attack 1 (issue 9), second half: DELEGASI to any address in any domain, for a year."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dumas.workflow.store.models import Delegation
from tests.flows.conftest import REPORTER, to_disposisi
from tests.replies import OUTLOOK_ID


def test_delegation_to_an_outside_domain_is_refused(flow, rig):
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(minutes=30)
    case_id = flow.case().id
    soon = (flow.now + timedelta(days=3)).date()
    flow.reply(
        note,
        f"DELEGASI someone@elsewhere.example sampai {soon:%d-%m-%Y}",
        "sekretaris",
        style=OUTLOOK_ID,
    )
    flow.poll("intake", "outbox")
    # Inside the office's domain but longer than [roles] max_delegation_days (30).
    inside = rig.new_user("wakil").address
    late = (flow.now + timedelta(days=60)).date()
    flow.later(minutes=5)
    flow.reply(note, f"DELEGASI {inside} sampai {late:%d-%m-%Y}", "sekretaris", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    assert flow.rows(Delegation) == []
    refused = flow.events(case_id, "perintah_ditolak")
    assert [e.detail["reason"] for e in refused] == ["delegasi_domain", "delegasi_terlalu_lama"]
    assert flow.inbox("someone@elsewhere.example") == [] and flow.inbox(inside) == []
    assert flow.case().step == "disposisi"


@pytest.mark.dumas_settings(replies={"authentication": "none"})
def test_delegation_without_a_proven_sender_is_refused(flow, rig):
    """With no proof of sender configured, DELEGASI is refused whatever it names."""
    note = to_disposisi(flow)
    flow.later(minutes=30)
    deputy = rig.new_user("wakil").address
    soon = (flow.now + timedelta(days=3)).date()
    flow.reply(note, f"DELEGASI {deputy} sampai {soon:%d-%m-%Y}", "sekretaris", style=OUTLOOK_ID)
    flow.poll("intake", "outbox")
    assert flow.rows(Delegation) == []
    [refused] = flow.events(flow.case().id, "perintah_ditolak")
    assert refused.detail["reason"] == "delegasi_tanpa_bukti"
