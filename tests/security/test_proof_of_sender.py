"""Proof of sender (issue 9, "Proof of sender" and item 6): a reply that changes a case must
prove its From. With the default settings that proof is an aligned DKIM signature; the rig's
staff mail is signed with the test key pinned in the test config (tests/rig/dkimkey.py).

Each forgery below holds a valid, unused token for the task it tries to decide: only the proof
of sender stands in its way. Before the proof existed (From header alone by default), each one
decided the case.
"""

from __future__ import annotations

import pytest

from dumas.ingest.actions.replies import GATE_REASONS
from dumas.ingest.mail.stampcheck import forget_stamping
from tests.flows.conftest import REPORTER, to_disposisi
from tests.replies import GMAIL_WEB_ID, OUTLOOK_ID, reply

OUR_AUTHSERV = "mx.dumas.test"


@pytest.fixture
def at_disposisi(flow):
    """A case waiting for the Sekretaris' disposition: (case id, her request, snapshot)."""
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    case = flow.case()
    return case.id, note, flow.snapshot(case.id)


def _send(flow, forged) -> None:
    forged.send(flow.rig)
    flow.poll("intake", "outbox")


def _refused(flow, case_id: int, before: dict, reason: str) -> None:
    """Nothing changed, the attempt is in the audit trail with `reason`, and the real Sekretaris
    (the From address: replies never go elsewhere) is told why in Indonesian."""
    assert flow.snapshot(case_id) == before
    assert flow.case().step == "disposisi"
    [refused] = flow.events(case_id, "perintah_ditolak")
    assert refused.detail["reason"] == reason
    [note] = flow.inbox("sekretaris")
    assert note.kind == "penolakan" and "TIDAK DILAKSANAKAN" in note.text
    assert " ".join(GATE_REASONS[reason].split()) in " ".join(note.text.split())
    flow.nothing_for("hukum", "ketua")


def _with_headers(forged, *lines: str):
    """`forged` with header lines put on top, as a sender can write them."""
    added = b"".join(line.encode() + b"\r\n" for line in lines)
    return type(forged)(added + forged.raw, forged.mail_from, forged.rcpt)


def test_a_forged_from_cannot_decide(flow, at_disposisi):
    """From: the Sekretaris, her real task token (a forwarded email), no signature of hers."""
    case_id, note, before = at_disposisi
    sekretaris = flow.address("sekretaris")
    _send(flow, reply(note, "DISPOSISI HUKUM", sender=sekretaris, dkim=False, style=GMAIL_WEB_ID))
    _refused(flow, case_id, before, "dkim_tidak_ada")
    assert flow.token_row(note).used_at is None


def test_a_quoted_dkim_pass_in_authentication_results_is_not_proof(flow, at_disposisi):
    """A result written inside a quoted value is a value: only a real RFC 8601 parser sees that."""
    case_id, note, before = at_disposisi
    forged = reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), dkim=False)
    _send(
        flow,
        _with_headers(
            forged,
            f"Authentication-Results: {OUR_AUTHSERV}; dkim=fail header.d=dumas.test "
            f'header.b="x dkim=pass header.d=dumas.test"; dmarc=fail header.from=dumas.test',
        ),
    )
    _refused(flow, case_id, before, "dkim_tidak_ada")


@pytest.mark.dumas_settings(replies={"authentication": "authserv", "authserv_id": OUR_AUTHSERV})
def test_a_quoted_dkim_pass_is_not_proof_in_authserv_mode_either(flow, at_disposisi):
    case_id, note, before = at_disposisi
    forged = reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), dkim=False)
    _send(
        flow,
        _with_headers(
            forged,
            f"Authentication-Results: {OUR_AUTHSERV}; dkim=fail header.d=dumas.test "
            f'header.b="x dkim=pass header.d=dumas.test"; dmarc=fail header.from=dumas.test',
        ),
    )
    _refused(flow, case_id, before, "autentikasi_gagal")


def test_our_authserv_id_from_the_sender_is_not_trusted_when_our_server_stamps_nothing(
    flow, at_disposisi
):
    """The rig's server stamps nothing: a "pass" the sender wrote in our server's name is just
    a header it wrote. With the default proof (DKIM), Authentication-Results is never read."""
    case_id, note, before = at_disposisi
    forged = reply(
        note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), dkim=False, style=OUTLOOK_ID
    )
    _send(
        flow,
        _with_headers(
            forged,
            f"Authentication-Results: {OUR_AUTHSERV}; dkim=pass header.d=dumas.test; "
            "dmarc=pass header.from=dumas.test",
        ),
    )
    _refused(flow, case_id, before, "dkim_tidak_ada")


def test_a_signature_for_another_domain_is_not_proof(flow, at_disposisi):
    """A valid signature, but by the forger's own domain, not the From's."""
    case_id, note, before = at_disposisi
    _send(
        flow,
        reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), dkim="attacker.example"),
    )
    _refused(flow, case_id, before, "dkim_domain_lain")


def test_a_signed_reply_from_the_sekretaris_decides(flow, at_disposisi):
    """The control: the same reply, signed by her provider for dumas.test, is carried out."""
    case_id, note, _ = at_disposisi
    _send(flow, reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris")))
    assert flow.case().step == "telaah"
    assert flow.events(case_id, "perintah_ditolak") == []


@pytest.mark.dumas_settings(replies={"authentication": "authserv", "authserv_id": OUR_AUTHSERV})
def test_authserv_mode_decides_nothing_before_doctor_checked_the_stamping(flow, at_disposisi):
    """Even a "pass" in our server's name on top counts only once `dumas doctor` has seen our
    server stamp every message (its record in the data folder): else it may be the sender's."""
    case_id, note, before = at_disposisi
    forget_stamping(flow.app.settings.replies.stamp_record)
    sekretaris = flow.address("sekretaris")
    _send(
        flow,
        reply(note, "DISPOSISI HUKUM", sender=sekretaris, headers=flow.authenticated("sekretaris")),
    )
    _refused(flow, case_id, before, "authserv_belum_diperiksa")


@pytest.mark.dumas_settings(replies={"authentication": "none"})
def test_without_authentication_the_transcript_says_the_decision_was_not_verified(
    flow, at_disposisi
):
    _, note, _ = at_disposisi
    _send(flow, reply(note, "DISPOSISI HUKUM", sender=flow.address("sekretaris"), dkim=False))
    assert flow.case().step == "telaah"
    transcript = flow.one("sekretaris", "transkrip")
    assert "keaslian pengirim email ini tidak diverifikasi" in " ".join(transcript.text.split())
