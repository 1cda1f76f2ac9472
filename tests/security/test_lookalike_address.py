"""Attack 13 (issue 9): `From: se\u212aretaris@…` (Kelvin sign) lower-cases to a staff address."""

from __future__ import annotations

from dataclasses import replace

from tests.flows.conftest import REPORTER, to_disposisi
from tests.replies import GMAIL_WEB_ID, reply


def test_a_lookalike_address_never_matches_a_role(flow):
    note = to_disposisi(flow)
    flow.inbox(REPORTER)
    flow.later(hours=1)
    real = flow.address("sekretaris")
    lookalike = real.replace("k", "\u212a", 1)
    assert lookalike != real and lookalike.lower() == real
    case_id = flow.case().id
    before = flow.snapshot(case_id)
    # Signed for the domain it shares with the real address (only the letters differ), and
    # sent from the real envelope address: SMTP without SMTPUTF8 takes no other.
    forged = reply(
        note, "DISPOSISI HUKUM", sender=real, from_=lookalike, dkim=True, style=GMAIL_WEB_ID
    )
    replace(forged, mail_from=real).send(flow.rig)
    flow.poll("intake", "outbox")
    assert flow.snapshot(case_id) == before
    [refused] = flow.events(case_id, "perintah_ditolak")
    assert refused.detail["reason"] == "pengirim_tidak_dikenal" and refused.detail["roles"] == []
    assert flow.events(case_id, "perintah_diterima")[-1].detail["command"] == "LENGKAP"
    flow.nothing_for("hukum")
    # … and its refusal is not mailed to the real Sekretaris (the look-alike's lower-case form).
    assert [m.kind for m in flow.inbox("sekretaris")] == []
