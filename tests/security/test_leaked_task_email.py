"""Attack 1 (issue 9): a task email forwarded to someone else hands over the role."""

from __future__ import annotations

import pytest

from dumas.ingest.actions.replies import GATE_REASONS
from tests.flows.conftest import REPORTER, to_disposisi
from tests.replies import GMAIL_WEB_ID, OUTLOOK_ID, reply
from tests.rig import write_config

OUTSIDER = "teman.sekretaris@gmail.com"


@pytest.fixture
def colleague(rig):
    """A second holder of the Sekretaris role (an office may list several)."""
    return rig.new_user("sekretaris-kedua").address


@pytest.fixture
def dumas_config(rig, office, tmp_path, colleague):
    roles = {role: list(addresses) for role, addresses in office.roles.items()}
    roles["sekretaris"].append(colleague)
    return write_config(rig, tmp_path, office.pengaduan, roles)


def test_a_leaked_task_email_does_not_hand_over_the_role(flow, colleague):
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    case_id = flow.case().id
    before = flow.snapshot(case_id)
    # The Sekretaris' own request, forwarded: a colleague of the same role and an outsider
    # answer it with her token.
    reply(note, "DISPOSISI HUKUM", sender=colleague, style=GMAIL_WEB_ID).send(flow.rig)
    flow.poll("intake", "outbox")
    reply(note, "DISPOSISI HUKUM", sender=OUTSIDER, style=OUTLOOK_ID).send(flow.rig)
    flow.poll("intake", "outbox")
    assert flow.snapshot(case_id) == before
    refused = flow.events(case_id, "perintah_ditolak")
    assert [(e.actor, e.detail["reason"]) for e in refused] == [
        (colleague, "bukan_penerima"),
        (OUTSIDER, "pengirim_tidak_dikenal"),
    ]
    told = flow.one(colleague, "penolakan")
    assert " ".join(GATE_REASONS["bukan_penerima"].split()) in " ".join(told.text.split())
    flow.nothing_for("hukum")
    # The person it was sent to still decides with it.
    flow.reply(note, "DISPOSISI HUKUM", "sekretaris", style=GMAIL_WEB_ID)
    flow.poll("intake", "outbox")
    assert flow.case().step == "telaah"
