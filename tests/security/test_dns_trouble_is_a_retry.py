"""DNS trouble is a retry, not a refusal (issue 9, "What remains"): when DNS does not answer
for the DKIM key of a genuine, signed decision, the reply is kept and decided on a later cycle
once DNS answers; only after `[replies] dkim_retry_hours` is it refused, with its own reason.

No key is pinned for the office's domain here: every staff key comes from "DNS", a stand-in
for `resolve_txt` (the one place Dumas asks DNS) that answers or times out on command. The
clock is the flow's: no sleeping, no wall clock.
"""

from __future__ import annotations

import dkim
import pytest

import dumas.ingest.mail.senderproof as senderproof
from dumas.ingest.actions.replies import GATE_REASONS
from dumas.ingest.mailbox.intake import RETRY
from dumas.workflow.store.models import RawMessage
from tests.flows.conftest import REPORTER, to_disposisi
from tests.replies import reply
from tests.rig.dkimkey import PUBLIC_RECORD, record_name

NO_PINNED_KEYS = pytest.mark.dumas_settings(replies={"dkim_keys": None, "dkim_retry_hours": 6})


class FakeDns:
    """Answers the rig domain's key, or times out as an unreachable resolver does."""

    def __init__(self, domain: str):
        self.domain, self.down, self.asked = domain, False, 0

    def __call__(self, name: bytes, timeout: int = 5) -> bytes | None:
        self.asked += 1
        if self.down:
            raise dkim.DnsTimeoutError("the resolver did not answer")
        wanted = record_name(self.domain) + "."
        return PUBLIC_RECORD.encode() if name.decode().lower() == wanted else None


@pytest.fixture
def dns(flow, monkeypatch) -> FakeDns:
    fake = FakeDns(flow.address("sekretaris").rpartition("@")[2])
    monkeypatch.setattr(senderproof, "resolve_txt", fake)
    return fake


@pytest.fixture
def at_disposisi(flow, dns):
    """A case waiting for the Sekretaris' disposition (the desk's decision proven by "DNS")."""
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    case = flow.case()
    return case.id, note, flow.snapshot(case.id)


def _decide(flow, note) -> None:
    reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris")).send(flow.rig)
    flow.poll("intake", "outbox")


def _waiting(flow) -> RawMessage:
    [raw] = flow.rows(RawMessage, rule=RETRY)
    return raw


@NO_PINNED_KEYS
def test_a_decision_whose_key_lookup_times_out_is_decided_once_dns_answers(flow, dns, at_disposisi):
    case_id, note, before = at_disposisi
    dns.down = True
    _decide(flow, note)
    # Not refused, not decided: kept, and nobody is told the signature is invalid.
    assert flow.snapshot(case_id) == before and flow.case().step == "disposisi"
    assert flow.events(case_id, "perintah_ditolak") == []
    flow.nothing_for("sekretaris", "hukum")
    assert flow.token_row(note).used_at is None
    waiting = _waiting(flow)

    flow.later(minutes=10)
    flow.poll("intake", "outbox")  # still no answer: still waiting, still nobody told
    assert _waiting(flow).id == waiting.id and flow.case().step == "disposisi"
    flow.nothing_for("sekretaris")

    dns.down = False
    flow.later(minutes=10)
    flow.poll("intake", "outbox")
    assert flow.case().step == "telaah"
    assert flow.events(case_id, "perintah_ditolak") == []
    assert flow.rows(RawMessage, rule=RETRY) == []
    assert flow.rows(RawMessage, id=waiting.id)[0].disposition == "reply"
    assert flow.token_row(note).used_by_raw_id == waiting.id


@NO_PINNED_KEYS
def test_a_key_dns_never_gives_is_refused_after_the_retry_hours(flow, dns, at_disposisi):
    case_id, note, before = at_disposisi
    dns.down = True
    _decide(flow, note)
    flow.later(hours=5)
    flow.poll("intake", "outbox")
    assert flow.events(case_id, "perintah_ditolak") == [] and _waiting(flow)

    flow.later(hours=1, minutes=1)  # past dkim_retry_hours = 6 since the reply was fetched
    flow.poll("intake", "outbox")
    assert flow.snapshot(case_id) == before and flow.case().step == "disposisi"
    [refused] = flow.events(case_id, "perintah_ditolak")
    assert refused.detail["reason"] == "dkim_kunci_tidak_terambil"
    [told] = flow.inbox("sekretaris")
    assert told.kind == "penolakan"
    reason = " ".join(GATE_REASONS["dkim_kunci_tidak_terambil"].split())
    assert reason in " ".join(told.text.split())
    assert flow.rows(RawMessage, rule=RETRY) == []


@pytest.mark.dumas_settings(replies={"dkim_keys": None, "dkim_dns": False})
def test_with_dns_switched_off_no_lookup_is_made(flow, dns):
    """Only pinned keys count: with none pinned, the desk's signed decision proves nothing, and
    "DNS" is never asked."""
    from tests.flows.conftest import registered

    request = registered(flow)
    flow.reply(request, "LENGKAP", "desk")
    flow.poll("intake", "outbox")
    assert dns.asked == 0
    [refused] = flow.events(flow.case().id, "perintah_ditolak")
    assert refused.detail["reason"] == "dkim_tidak_sah"
