"""Issue 10 item 7 on the real rig: the SOP's branches beyond the main path (TOLAK back to the
investigation, the Ketua told of every closure)."""

from __future__ import annotations

from tests.flows.conftest import Flow, commands_in, to_telaah
from tests.replies import (
    GMAIL_ANDROID_EN,
    GMAIL_WEB_ID,
    IPHONE_ID,
    OUTLOOK_NEW_ID,
    Received,
    pdf_with_text,
)


def _investigated(flow: Flow, team: str) -> Received:
    """telaah -> BERKADAR PENGAWASAN -> KERTAS KERJA -> INVESTIGASI (team) -> SETUJU; returns
    Hukum's investigasi task."""
    hukum_note = to_telaah(flow)
    flow.later(days=1)
    flow.reply(
        hukum_note,
        "BERKADAR PENGAWASAN\nLaporan terlampir.",
        "hukum",
        attachments=[("lht.pdf", "application/pdf", pdf_with_text("LHT"))],
    )
    flow.poll()
    flow.later(days=1)
    flow.reply(
        flow.one("hukum", "tugas"),
        "KERTAS KERJA",
        "hukum",
        style=IPHONE_ID,
        attachments=[("kertas-kerja.pdf", "application/pdf", pdf_with_text("KK"))],
    )
    flow.poll()
    flow.later(hours=2)
    flow.reply(flow.one("hukum", "tugas"), f"INVESTIGASI {team}", "hukum", style=GMAIL_WEB_ID)
    flow.poll()
    flow.later(hours=2)
    flow.reply(flow.one("sekretaris", "tugas"), "SETUJU", "sekretaris", style=GMAIL_WEB_ID)
    flow.poll()
    return flow.one("hukum", "tugas")


def test_tolak_on_an_investigation_report_returns_it_to_the_investigation(flow, rig):
    andi = rig.new_user("andi")
    invest_note = _investigated(flow, f"Andi Saputra ({andi.address})")
    assert flow.case().step == "investigasi"
    flow.inbox(andi.address)
    flow.later(days=1)
    flow.reply(
        invest_note,
        "LAPORAN Dugaan terbukti.",
        "hukum",
        style=GMAIL_ANDROID_EN,
        attachments=[("lhp.pdf", "application/pdf", pdf_with_text("LHP"))],
    )
    flow.poll()
    approval = flow.one("sekretaris", "tugas")
    limit_before = flow.case().complete_at

    flow.later(days=1)
    catatan = "Mohon periksa saksi kedua di TPS 03."
    flow.reply(approval, f"TOLAK {catatan}", "sekretaris", style=OUTLOOK_NEW_ID)
    flow.poll()
    case = flow.case()
    assert (case.step, case.data["catatan_laporan"]) == ("investigasi", catatan)
    assert case.complete_at == limit_before  # the 60-day limit is not restarted
    [open_task] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    assert open_task.step == "investigasi" and open_task.role == "hukum"
    assert open_task.due_at > flow.now
    again = flow.one("hukum", "tugas")
    assert "CATATAN DARI TAHAP SEBELUMNYA\n" + catatan in again.text
    assert commands_in(again.text)[:1] == ["LAPORAN"]
    # The team hears the note.
    told = flow.one(andi.address, "informasi")
    assert catatan in " ".join(told.text.split())
    [restart] = flow.events(case.id, "tahap_diulang")
    assert restart.detail["to"] == "investigasi"
    flow.nothing_for("ketua")
