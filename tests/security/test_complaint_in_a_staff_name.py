"""Attack 8 (issue 9): a complaint with a forged staff From.

Before: the staff address became the case's pelapor, so the desk's own valid `LENGKAP` on that
case was filed as reporter information and the case was stuck. Now a complaint from a staff
address is registered without a reporter's address, nothing is acknowledged to staff, and
staff replies on the case decide as always."""

from __future__ import annotations

from tests.replies import GMAIL_WEB_ID


def test_a_complaint_in_a_staff_name_does_not_make_staff_the_reporter(flow):
    desk = flow.address("desk")
    flow.complaint(sender=f"Desk Pelayanan <{desk}>")
    flow.poll()
    case = flow.case()
    # The name may still come from the text (the form says who complains); never the staff one.
    assert case.pelapor_email in ("", None) and case.pelapor_name != "Desk Pelayanan"
    [received] = flow.events(case.id, "pengaduan_diterima")
    assert "alamat petugas" in received.summary
    note = flow.one("desk", "tugas")
    flow.nothing_for("desk")  # no tanda terima to the desk as if it were the reporter
    assert flow.outbox("tanda_terima") == []

    flow.later(minutes=10)
    flow.reply(note, "LENGKAP", "desk", style=GMAIL_WEB_ID)
    flow.poll()
    assert flow.case().step == "disposisi"
    assert flow.events(case.id, "balasan_pelapor") == []
    assert flow.one("sekretaris", "tugas")
