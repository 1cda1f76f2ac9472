"""Issue 10 item 7 on the real rig: the SOP's branches beyond the main path (TOLAK back to the
investigation, the Ketua told of every closure)."""

from __future__ import annotations

import pytest

from tests.flows.conftest import REPORTER, Flow, commands_in, to_telaah
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
    # The team gets the task again, with the note and a fresh token of their own.
    told = flow.one(andi.address, "tugas")
    assert catatan in " ".join(told.text.split()) and "LAPORAN" in commands_in(told.text)
    [restart] = flow.events(case.id, "tahap_diulang")
    assert restart.detail["to"] == "investigasi"
    flow.nothing_for("ketua")


def _at_kertas_kerja(flow: Flow) -> Received:
    hukum_note = to_telaah(flow)
    flow.later(days=1)
    flow.reply(
        hukum_note,
        "BERKADAR PENGAWASAN\nLaporan terlampir.",
        "hukum",
        attachments=[("lht.pdf", "application/pdf", pdf_with_text("LHT"))],
    )
    flow.poll()
    return flow.one("hukum", "tugas")


BAWASLU = "bawaslu.mentawai@bawaslu.example"


@pytest.mark.dumas_settings(sop={"agencies": {"bawaslu": {"email": BAWASLU}}})
def test_after_berkadar_pengawasan_hukum_may_still_close_or_forward(flow):
    kk_note = _at_kertas_kerja(flow)
    flow.inbox(REPORTER)
    assert {"KERTAS KERJA", "TERUSKAN", "TIDAK DAPAT DITINDAKLANJUTI"} <= set(
        commands_in(kk_note.text)
    )
    telaah_at = flow.case().telaah_at
    flow.later(days=1)
    alasan = "Survei pendahuluan: terlapor tidak dapat diidentifikasi."
    flow.reply(
        kk_note,
        f"TIDAK DAPAT DITINDAKLANJUTI {alasan}",
        "hukum",
        style=IPHONE_ID,
        attachments=[("hasil-survei.pdf", "application/pdf", pdf_with_text("Survei"))],
    )
    flow.poll()
    case = flow.case()
    assert (case.step, case.closed_at) == ("persetujuan_tidak_ditindaklanjuti", None)
    assert case.data["usul_tidak_ditindaklanjuti"]["dari"] == "kertas_kerja"
    assert case.telaah_at == telaah_at  # the telaah's own date stays
    ask = flow.one("sekretaris", "tugas")
    assert "hasil-survei.pdf" in ask.attachments
    assert alasan in " ".join(ask.text.split())

    # TOLAK returns the proposal to where it came from: the survey, not the telaah.
    flow.later(hours=2)
    catatan = "Mohon konfirmasi kepada PPS setempat."
    flow.reply(ask, f"TOLAK {catatan}", "sekretaris", style=OUTLOOK_NEW_ID)
    flow.poll()
    case = flow.case()
    assert case.step == "kertas_kerja"
    [open_task] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    assert (open_task.step, open_task.role) == ("kertas_kerja", "hukum")
    again = flow.one("hukum", "tugas")
    assert catatan in " ".join(again.text.split())
    assert "KERTAS KERJA" in commands_in(again.text)
    flow.nothing_for(REPORTER)

    # Then Hukum forwards from the survey and the Sekretaris approves: the letter goes.
    flow.later(days=1)
    flow.reply(
        again,
        "TERUSKAN BAWASLU\nHasil konfirmasi: dugaan pelanggaran pemilu.",
        "hukum",
        style=GMAIL_WEB_ID,
    )
    flow.poll()
    assert flow.case().step == "persetujuan_penerusan"
    flow.later(hours=1)
    flow.reply(flow.one("sekretaris", "tugas"), "SETUJU", "sekretaris", style=GMAIL_WEB_ID)
    flow.poll()
    assert flow.case().step == "diteruskan"
    assert flow.inbox(BAWASLU)


def test_a_team_member_files_the_report_with_their_own_task_and_nothing_else(flow, rig):
    andi, rina = rig.new_user("andi"), rig.new_user("rina")
    hukum_task = _investigated(flow, f"Andi Saputra ({andi.address}); Rina Saogo ({rina.address})")
    case = flow.case()
    assert case.step == "investigasi"
    # Each member: the Surat Tugas, and the investigasi task with a token of their own.
    for member in (andi, rina):
        assert any(
            n.startswith("surat-tugas") for n in flow.one(member.address, "surat_tugas").attachments
        )
    andi_task = flow.one(andi.address, "tugas")
    rina_task = flow.one(rina.address, "tugas")
    assert "LAPORAN" in commands_in(andi_task.text)
    flow.inbox(REPORTER)

    # Nothing but the step's own command, on their own token: STATUS, another step's command,
    # Rina's task email used by Andi, Hukum's task email used by Andi change nothing.
    before = flow.snapshot(case.id)
    flow.later(hours=1)
    flow.reply(andi_task, "TERUSKAN BAWASLU\nBukan kewenangan KPU.", andi.address)
    flow.reply(rina_task, "LAPORAN Atas nama Rina.", andi.address, style=IPHONE_ID)
    flow.reply(hukum_task, "LAPORAN Atas nama Hukum.", andi.address, style=GMAIL_WEB_ID)
    flow.reply(andi_task, "STATUS", andi.address)
    flow.poll()
    assert flow.snapshot(case.id) == before
    assert flow.case().step == "investigasi"
    reasons = sorted(e.detail.get("reason", "") for e in flow.events(case.id, "perintah_ditolak"))
    assert "wrong_step" in reasons and len(reasons) == 4, reasons
    flow.inbox(andi.address)

    # Andi files the report from his own task email: it goes to the Sekretaris.
    flow.later(hours=1)
    flow.reply(
        andi_task,
        "LAPORAN Dugaan terbukti; keterangan dua saksi terlampir.",
        andi.address,
        style=GMAIL_ANDROID_EN,
        attachments=[("lhp.pdf", "application/pdf", pdf_with_text("LHP tim"))],
    )
    flow.poll()
    case = flow.case()
    assert case.step == "persetujuan_laporan" and case.data["laporan_dari"] == "investigasi"
    [accepted] = [e for e in flow.events(case.id, "perintah_diterima") if e.actor == andi.address]
    assert accepted.detail["command"] == "LAPORAN"
    assert "lhp.pdf" in flow.one("sekretaris", "tugas").attachments
    # The other tokens of the task died with it: Hukum's and Rina's replies decide nothing.
    flow.later(hours=1)
    flow.reply(rina_task, "LAPORAN Versi Rina.", rina.address)
    flow.poll()
    assert flow.case().step == "persetujuan_laporan"
    # Past the investigation a member is nobody to the case again.
    assert flow.events(case.id, "perintah_ditolak")[-1].detail["reason"] == (
        "pengirim_tidak_dikenal"
    )
