"""DELEGASI and DELEGASI BATAL in the pure core: who is told, what is cancelled."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.registry import help_text, is_delegation_cancel, parse_command
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.effects import (
    Actor,
    CancelDelegation,
    CaseState,
    Delegate,
    Notify,
    Record,
    Transcript,
)
from dumas.workflow.sop.machine import decide

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
SOP = load_sop({}, [])
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=WIB)


def reply(role, text, state=None, delegated=()):
    actor = Actor.of(f"{role}@kpu.example", role, delegated=delegated)
    state = state or CaseState(step="disposisi", number="001/PGD/III/2026")
    return decide(state, parse_command([text]), actor, NOW, SOP, CAL)


@pytest.mark.parametrize("text", ["DELEGASI BATAL", "delegasi batal", "DELEGATE CANCEL"])
def test_batal_is_a_cancel(text):
    assert is_delegation_cancel(parse_command([text]))


@pytest.mark.parametrize(
    "text",
    [
        "DELEGASI wakil@kpu.example sampai 31-03-2026",
        "DELEGASI batal@kpu.example 31-03-2026",
        "STATUS",
        "BATAL",
    ],
)
def test_other_replies_are_not_a_cancel(text):
    assert not is_delegation_cancel(parse_command([text]))


def test_batal_cancels_the_principals_delegations_and_tells_them_and_the_ketua():
    d = reply("sekretaris", "DELEGASI BATAL")
    assert d.accepted
    assert d.of_type(CancelDelegation) == [CancelDelegation("sekretaris", "sekretaris@kpu.example")]

    assert [(n.template, n.to) for n in d.of_type(Notify)] == [
        ("delegasi_batal", "sekretaris@kpu.example"),
        ("delegasi_batal", "ketua"),
    ]
    assert [r.kind for r in d.of_type(Record)] == ["delegasi_batal"]
    assert d.of_type(Transcript)[0].lines[0] == "Dilaksanakan: DELEGASI BATAL"
    assert not d.of_type(Delegate)


def test_a_ketua_is_told_once():
    d = reply("ketua", "DELEGASI wakil.ketua@kpu.example sampai 31-03-2026")
    assert [(n.template, n.to) for n in d.of_type(Notify) if n.template != "delegasi"] == [
        ("delegasi_konfirmasi", "ketua@kpu.example")
    ]


def test_a_grant_tells_the_deputy_the_principal_and_the_ketua():
    d = reply("sekretaris", "DELEGASI Wakil@KPU.example sampai 31-03-2026")
    assert sorted((n.template, n.to) for n in d.of_type(Notify)) == [
        ("delegasi", "wakil@kpu.example"),
        ("delegasi_konfirmasi", "ketua"),
        ("delegasi_konfirmasi", "sekretaris@kpu.example"),
    ]
    [told] = [n.context for n in d.of_type(Notify) if n.to == "ketua"]
    assert told["deputy"] == "wakil@kpu.example" and told["until_date"] == "2026-03-31"


def test_a_deputy_cannot_cancel_for_the_principal():
    d = reply("sekretaris", "DELEGASI BATAL", delegated=("sekretaris",))
    assert d.refusal is not None and d.refusal.reason == "delegate_cannot_delegate"


def test_the_help_text_says_how_to_cancel():
    assert "DELEGASI BATAL" in help_text("disposisi", "sekretaris", SOP)


def test_the_ketuas_batal_ends_every_delegation_of_the_office():
    # The Ketua is told of every delegation with "reply DELEGASI BATAL if it was never given":
    # that reply must end the Sekretaris' delegation too, not only the Ketua's own.
    d = reply("ketua", "DELEGASI BATAL")
    assert d.of_type(CancelDelegation) == [CancelDelegation(None, "ketua@kpu.example")]
    assert [(n.template, n.to) for n in d.of_type(Notify)] == [
        ("delegasi_batal", "ketua@kpu.example")
    ]
