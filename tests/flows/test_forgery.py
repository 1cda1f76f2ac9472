"""Replies that must decide nothing, on the real rig.

Each forgery is sent twice on the same day: nothing about the case changes (step, tasks,
documents, attachments, tokens), each attempt is an audit event with its reason, and the sender
gets exactly one Indonesian explanation — except an auto-reply, which gets nothing at all.
"""

from __future__ import annotations

import pytest

from dumas.ingest.actions.replies import GATE_REASONS
from dumas.workflow.sop.tokens import new_token
from dumas.workflow.store.models import RawMessage
from tests.flows.conftest import REPORTER, registered, to_disposisi, to_step_7
from tests.replies import (
    GMAIL_ANDROID_EN,
    GMAIL_WEB_ID,
    IPHONE_ID,
    OUTLOOK_ID,
    OUTLOOK_WEB_ID,
    pdf_with_text,
    reply,
)

OUTSIDER = "teman.sekretaris@gmail.com"
TRUSTED = "mx.dumas.test"


def _twice(flow, make) -> None:
    """Send the forgery, poll, send it again (a new message, same content), poll."""
    for _ in range(2):
        make().send(flow.rig)
        flow.poll("intake", "outbox")


def _nothing_changed(
    flow, case_id: int, before: dict, sender: str, reason: str, why: str = "", times: int = 2
) -> None:
    """The case is as it was, every attempt is an event with `reason`, and the sender got one
    explanation saying `why` (by default the gate's sentence for the reason)."""
    assert flow.snapshot(case_id) == before
    refused = flow.events(case_id, "perintah_ditolak")
    assert [(e.actor, e.detail["reason"]) for e in refused] == [(sender, reason)] * times
    assert all(e.raw_id is not None for e in refused)
    [note] = flow.inbox(sender)
    assert note.kind == "penolakan" and "TIDAK DILAKSANAKAN" in note.text
    assert " ".join((why or GATE_REASONS[reason]).split()) in " ".join(note.text.split())


@pytest.fixture
def at_disposisi(flow):
    """A case waiting for the Sekretaris' disposition: (case id, her request, snapshot)."""
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    case = flow.case()
    return case.id, note, flow.snapshot(case.id)


def test_spoofed_from_with_a_valid_token(flow, at_disposisi):
    case_id, note, before = at_disposisi
    _twice(
        flow,
        lambda: reply(
            note,
            "DISPOSISI HUKUM",
            sender=flow.address("sekretaris"),
            from_=OUTSIDER,
            style=GMAIL_WEB_ID,
        ),
    )
    _nothing_changed(flow, case_id, before, OUTSIDER, "pengirim_tidak_dikenal")
    flow.nothing_for("desk", "sekretaris", "hukum", "ketua")


def test_no_token_at_all(flow, at_disposisi):
    """A client that answers From (no plus-token) and drops In-Reply-To/References: only the
    subject's case tag ties it to the case."""
    case_id, note, before = at_disposisi
    _twice(
        flow,
        lambda: reply(
            note,
            "DISPOSISI HUKUM",
            sender=flow.address("sekretaris"),
            strip_token=True,
            in_reply_to=False,
            style=OUTLOOK_ID,
        ),
    )
    _nothing_changed(flow, case_id, before, flow.address("sekretaris"), "tanpa_token")


@pytest.mark.parametrize(
    "token", [new_token(), "abc", "Zz9-garbage_token"], ids=["unknown", "short", "garbage"]
)
def test_wrong_or_garbage_token(flow, at_disposisi, token):
    """A token that is not ours in the plus-address, even with the thread's In-Reply-To kept."""
    case_id, note, before = at_disposisi
    plus = f"{flow.office.pengaduan.local}+{token}@{flow.office.pengaduan.domain}"
    _twice(
        flow,
        lambda: reply(
            note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), to=plus, style=IPHONE_ID
        ),
    )
    _nothing_changed(flow, case_id, before, flow.address("sekretaris"), "token_tidak_dikenal")


def test_expired_token(flow, at_disposisi):
    case_id, note, before = at_disposisi
    flow.later(days=31)  # [replies] token_days = 30
    _twice(
        flow,
        lambda: reply(
            note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), style=GMAIL_ANDROID_EN
        ),
    )
    _nothing_changed(flow, case_id, before, flow.address("sekretaris"), "token_kedaluwarsa")


def test_replayed_token(flow, at_disposisi):
    """The same email answered again after its decision was carried out (both in one poll,
    then once more)."""
    case_id, note, _ = at_disposisi
    first = reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), style=OUTLOOK_ID)
    first.send(flow.rig)
    reply(
        note, "DISPOSISI HUKUM Ulangan", sender=flow.address("sekretaris"), style=OUTLOOK_ID
    ).send(flow.rig)
    flow.poll("intake", "outbox")
    assert flow.case().step == "telaah"
    assert [e.detail["command"] for e in flow.events(case_id, "perintah_diterima")] == [
        "LENGKAP",
        "DISPOSISI",
    ]
    flow.one("sekretaris", "transkrip")
    flow.inbox("hukum")
    before = flow.snapshot(case_id)
    flow.later(hours=1)
    reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), style=OUTLOOK_ID).send(
        flow.rig
    )
    flow.poll("intake", "outbox")
    after = flow.snapshot(case_id)
    assert after == before and flow.case().disposisi_note == ""
    refused = flow.events(case_id, "perintah_ditolak")
    assert [e.detail["reason"] for e in refused] == ["token_terpakai"] * 2
    [explanation] = flow.inbox("sekretaris")
    assert GATE_REASONS["token_terpakai"] in explanation.text
    flow.nothing_for("hukum")


def test_another_cases_token(flow, at_disposisi):
    """Case A's token on a reply in case B's thread (B's subject and In-Reply-To)."""
    case_a, note_a, _ = at_disposisi
    note_b = to_disposisi(flow, subject="Pengaduan PPS Desa Sioban tidak netral")
    flow.inbox(REPORTER)
    case_b = flow.case().id
    assert case_b != case_a
    flow.later(hours=1)
    before_a, before_b = flow.snapshot(case_a), flow.snapshot(case_b)
    _twice(
        flow,
        lambda: reply(
            note_b,
            "DISPOSISI HUKUM",
            sender=flow.address("sekretaris"),
            to=note_a.reply_address,
            style=GMAIL_WEB_ID,
        ),
    )
    # Filed under the token's case, refused there; the case of the thread is untouched too.
    _nothing_changed(flow, case_a, before_a, flow.address("sekretaris"), "token_kasus_lain")
    assert flow.snapshot(case_b) == before_b
    assert flow.events(case_b, "perintah_ditolak") == []
    flow.nothing_for("hukum")


def test_right_token_from_the_wrong_role(flow, at_disposisi):
    """Sub Bagian Hukum answers the Sekretaris' request (forwarded to them) with her command
    and a file: the file is not filed to the case either."""
    case_id, note, before = at_disposisi
    _twice(
        flow,
        lambda: reply(
            note,
            "DISPOSISI HUKUM",
            sender=flow.address("hukum"),
            style=OUTLOOK_WEB_ID,
            attachments=[("disposisi.pdf", "application/pdf", pdf_with_text("X"))],
        ),
    )
    _nothing_changed(flow, case_id, before, flow.address("hukum"), "bukan_peran")
    flow.nothing_for("sekretaris")


def test_a_command_at_the_wrong_step(flow):
    desk_note = registered(flow)
    flow.later(minutes=5)
    case_id = flow.case().id
    before = flow.snapshot(case_id)
    _twice(
        flow, lambda: reply(desk_note, "SETUJU", sender=flow.address("desk"), style=GMAIL_WEB_ID)
    )
    _nothing_changed(
        flow,
        case_id,
        before,
        flow.address("desk"),
        "wrong_step",
        why="Perintah SETUJU tidak berlaku pada tahap pengaduan saat ini "
        "(Verifikasi kelengkapan pengaduan).",
    )
    # The audit trail keeps who the sender was authenticated as.
    assert {tuple(e.detail["roles"]) for e in flow.events(case_id, "perintah_ditolak")} == {
        ("desk",)
    }
    # The request is still good for a valid decision.
    reply(desk_note, "LENGKAP", sender=flow.address("desk")).send(flow.rig)
    flow.poll("intake", "outbox")
    assert flow.case().step == "disposisi"


def test_an_auto_reply_quoting_a_command_is_ignored(flow):
    """The Sekretaris' out-of-office answers her step-7 request; its body repeats SETUJU on a
    line the command reader would take, and its subject looks like a reply."""
    note = to_step_7(flow)
    flow.later(hours=1)
    case_id = flow.case().id
    assert flow.case().step == "persetujuan_laporan"
    before, sent_before = flow.snapshot(case_id), len(flow.outbox())
    body = (
        "Terima kasih, email Anda sudah saya terima.\nPesan Anda:\nSETUJU\n"
        "Saya sedang cuti sampai 10 November 2026."
    )
    for _ in range(2):
        reply(
            note,
            body,
            sender=flow.address("sekretaris"),
            style=OUTLOOK_ID,
            auto_submitted="auto-replied",
        ).send(flow.rig)
        flow.poll("intake", "outbox")
    assert flow.snapshot(case_id) == before
    assert flow.events(case_id, "perintah_ditolak") == []
    ignored = flow.events(kind="pesan_diabaikan")
    assert [e.detail["reason"] for e in ignored] == ["Auto-Submitted: auto-replied"] * 2
    raws = flow.rows(RawMessage, rule="auto_reply")
    assert len(raws) == 2 and {e.raw_id for e in ignored} == {r.id for r in raws}
    flow.nothing_for("sekretaris", "desk", "hukum", "ketua")
    assert len(flow.outbox()) == sent_before  # not a word to anyone


def test_a_reply_to_from_with_in_reply_to_is_still_accepted(flow, at_disposisi):
    """Not a forgery: a client that answers From (dropping the plus-token) keeps In-Reply-To,
    which finds the request's token again."""
    case_id, note, _ = at_disposisi
    reply(
        note,
        "DISPOSISI HUKUM",
        sender=flow.address("sekretaris"),
        strip_token=True,
        style=IPHONE_ID,
    ).send(flow.rig)
    flow.poll("intake", "outbox")
    assert flow.case().step == "telaah"
    assert flow.token_row(note).used_at is not None


AUTH_PASS = (
    f"{TRUSTED}; dkim=pass header.d=dumas.test header.s=mail; "
    "spf=pass smtp.mailfrom=dumas.test; dmarc=pass (p=reject) header.from=dumas.test"
)


@pytest.mark.dumas_settings(security={"require_dmarc": True, "trusted_authserv_id": TRUSTED})
def test_require_dmarc_refuses_unauthenticated_replies_and_accepts_authenticated_ones(
    flow, at_disposisi
):
    case_id, note, before = at_disposisi
    sekretaris = flow.address("sekretaris")
    ours_failed = (
        f"{TRUSTED}; dkim=none; spf=softfail smtp.mailfrom=dumas.test; dmarc=fail "
        "(p=reject) header.from=dumas.test"
    )
    for results in (
        [],  # none at all
        [AUTH_PASS.replace(TRUSTED, "mx.attacker.example")],  # another server's "pass"
        # our server's verdict on top, and below it a "pass" the sender wrote in our name
        [ours_failed, AUTH_PASS],
    ):
        forged = reply(note, "DISPOSISI HUKUM", sender=sekretaris, style=GMAIL_WEB_ID)
        head, _, rest = forged.raw.partition(b"\r\n")
        added = b"".join(b"Authentication-Results: " + r.encode() + b"\r\n" for r in results)
        type(forged)(head + b"\r\n" + added + rest, forged.mail_from, forged.rcpt).send(flow.rig)
        flow.poll("intake", "outbox")
    _nothing_changed(flow, case_id, before, sekretaris, "autentikasi_gagal", times=3)

    reply(
        note,
        "DISPOSISI HUKUM",
        sender=sekretaris,
        style=GMAIL_WEB_ID,
        headers={"Authentication-Results": AUTH_PASS},
    ).send(flow.rig)
    flow.poll("intake", "outbox")
    assert flow.case().step == "telaah"
    accepted = flow.events(case_id, "perintah_diterima")[-1]
    assert (accepted.detail["command"], accepted.detail["token"]) == ("DISPOSISI", "valid")


def test_unknown_command_changes_nothing_and_the_same_email_can_be_answered_again(
    flow, at_disposisi
):
    """A reply with no command we know: nothing happens, one explanation lists the commands
    valid now, and the token is not spent — the Sekretaris corrects herself on the same email."""
    case_id, note, before = at_disposisi
    _twice(
        flow,
        lambda: reply(
            note,
            "Oke siap, nanti saya teruskan ke hukum",
            sender=flow.address("sekretaris"),
            style=GMAIL_WEB_ID,
        ),
    )
    _nothing_changed(
        flow,
        case_id,
        before,
        flow.address("sekretaris"),
        "unknown_command",
        why="Balasan Anda tidak memuat perintah yang dikenali.",
    )
    refused = flow.events(case_id, "perintah_ditolak")
    assert all(e.detail["token"] == "present" for e in refused)
    flow.later(minutes=5)
    reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), style=GMAIL_WEB_ID).send(
        flow.rig
    )
    flow.poll("intake", "outbox")
    assert flow.case().step == "telaah"
