"""The whole SOP by email, on the real rig: a citizen's complaint to the reporter's outcome.

Every decision is a reply composed the way a real client writes it (Gmail web and Android,
Outlook desktop and web, iPhone; Indonesian and English quote headers; HTML-only, top-posted),
sent through SMTP to the notification's Reply-To and read by `dumas poll`.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from dumas.workflow.sop.commands.grammar import REPLY_MARKER
from dumas.workflow.sop.numbering import case_tag
from dumas.workflow.store.models import ReplyToken
from tests import mailfactory as mf
from tests.flows.conftest import REPORTER, commands_in, pdf_text
from tests.replies import (
    DOCX,
    GMAIL_ANDROID_EN,
    GMAIL_WEB_ID,
    IPHONE_ID,
    OUTLOOK_ID,
    OUTLOOK_NEW_ID,
    OUTLOOK_WEB_ID,
    WIB,
    docx_with_text,
    pdf_with_text,
)


def _asks(note, *commands: str, sekretaris: bool = False) -> None:
    """A decision request: the marker alone on the first line, exactly these commands listed
    (DELEGASI too for the Sekretaris), the token in the Reply-To."""
    assert note.text.splitlines()[0] == REPLY_MARKER
    always = ["STATUS", "BANTUAN"] + (["DELEGASI"] if sekretaris else [])
    assert commands_in(note.text) == [*commands, *always]
    assert note.token, "a decision request carries its token in the Reply-To"


def _used(flow, note) -> None:
    """The request's token was spent by the reply that decided."""
    row = flow.token_row(note)
    assert row.used_at == flow.now and row.used_by_raw_id is not None


def _done(flow, who: str, *lines: str):
    """The transcript to the staff member whose reply was carried out."""
    note = flow.one(who, "transkrip")
    assert note.text.count("Dilaksanakan: ") == 1
    for line in lines:
        assert line in note.text, (line, note.text)
    return note


def _state(flow, step: str, status: str):
    case = flow.case()
    assert (case.step, case.status) == (step, status)
    open_tasks = [t for t in flow.tasks(case.id) if t.closed_at is None]
    return case, open_tasks


# Its replies arrive over SMTP and LMTP, dated by Dovecot's clock, not the flow's: `make test-dates`
# runs it with that clock moved.
@pytest.mark.dates
def test_the_whole_sop_by_email(flow, rig):
    team = [rig.new_user("andi"), rig.new_user("rina")]

    # Step 1-2: the citizen writes; the case is registered and the desk asked to verify.
    flow.complaint(attachments=[("foto-bukti.jpg", "image/jpeg", mf.tiny_jpeg())])
    flow.poll()
    case, [task] = _state(flow, "verifikasi", "verifikasi")
    assert task.role == "desk"
    ack = flow.one(REPORTER, "tanda_terima")
    assert case.number in ack.text
    desk_note = flow.one("desk", "tugas")
    assert "Pengaduan baru, mohon verifikasi" in desk_note.subject
    _asks(desk_note, "LENGKAP", "LENGKAPI", "BUKAN PENGADUAN", "SPAM", "KONFLIK")
    assert case_tag(case.number) in desk_note.subject
    cetakan, lembar, foto = desk_note.attachments
    assert cetakan.startswith("cetakan") and lembar.startswith("lembar-disposisi")
    assert foto == "foto-bukti.jpg"
    assert case.number in pdf_text(desk_note.attachments[cetakan])
    flow.nothing_for("sekretaris", "hukum", "ketua")

    # Desk: LENGKAP (Gmail web, Indonesian).
    flow.later(minutes=10)
    flow.reply(desk_note, "LENGKAP", "desk", style=GMAIL_WEB_ID, signature="Meja Layanan")
    flow.poll()
    case, [task] = _state(flow, "disposisi", "diproses")
    assert task.role == "sekretaris" and case.complete_at is not None
    _used(flow, desk_note)
    _done(flow, "desk", "Dilaksanakan: LENGKAP", "Tahap berikutnya: Disposisi Sekretaris")
    limit = flow.app.calendar.add(case.complete_at, flow.app.sop.case_limit)
    assert limit == datetime(2027, 1, 2, tzinfo=WIB)  # 60 calendar days (Perpres 76/2013)
    told = " ".join(flow.one(REPORTER, "diproses").text.split())
    # The reporter is told the last day, without a clock time (issue 10 item 8).
    assert "paling lambat Jumat, 1 Januari 2027." in told and "pukul" not in told
    sek_note = flow.one("sekretaris", "tugas")
    _asks(sek_note, "DISPOSISI", sekretaris=True)
    [lembar] = [n for n in sek_note.attachments if n.startswith("lembar-disposisi")]
    assert "akan diterbitkan kembali" in pdf_text(sek_note.attachments[lembar])

    # Sekretaris: DISPOSISI HUKUM with notes (Outlook desktop, HTML only, quoted-printable).
    flow.later(hours=2)
    sent = flow.reply(
        sek_note,
        "DISPOSISI HUKUM Mohon ditelaah, perhatikan keterangan saksi di TPS 03.",
        "sekretaris",
        style=OUTLOOK_ID,
        signature="Sekretaris Uji\nKPU Kabupaten Kepulauan Mentawai",
    )
    flow.poll()
    case, [task] = _state(flow, "telaah", "diproses")
    _used(flow, sek_note)
    assert (task.role, case.disposisi_to) == ("hukum", "hukum")
    assert case.disposisi_note == "Mohon ditelaah, perhatikan keterangan saksi di TPS 03."
    transcript = _done(
        flow,
        "sekretaris",
        "Dilaksanakan: DISPOSISI HUKUM",
        "Didisposisikan kepada Sub Bagian Hukum",
    )
    assert transcript.msg["In-Reply-To"] == sent.msg["Message-ID"]  # threads under the reply
    hukum_note = flow.one("hukum", "tugas")
    _asks(
        hukum_note, "BERKADAR PENGAWASAN", "TERUSKAN", "SUB BAGIAN", "TIDAK DAPAT DITINDAKLANJUTI"
    )
    assert "perhatikan keterangan saksi di TPS 03" in hukum_note.text
    [lembar] = [n for n in hukum_note.attachments if n.startswith("lembar-disposisi")]
    sheet = " ".join(pdf_text(hukum_note.attachments[lembar]).split())
    assert "perhatikan keterangan saksi di TPS 03" in sheet
    assert "☑ Sub Bagian Hukum" in sheet and "akan diterbitkan kembali" not in sheet
    assert [d.version for d in flow.documents(case.id, "lembar_disposisi")] == [1, 2]

    # Hukum: BERKADAR PENGAWASAN with the Laporan Hasil Telaah attached (iPhone, Indonesian).
    flow.later(days=1)
    lht = pdf_with_text("Laporan Hasil Telaah 001: berkadar pengawasan")
    flow.reply(
        hukum_note,
        "BERKADAR PENGAWASAN\nDugaan politik uang oleh anggota KPPS TPS 03.",
        "hukum",
        style=IPHONE_ID,
        subject_prefix="Balas:",
        attachments=[("laporan-hasil-telaah.pdf", "application/pdf", lht)],
    )
    flow.poll()
    case, [task] = _state(flow, "kertas_kerja", "diproses")
    assert case.telaah_result == "berkadar_pengawasan"
    assert case.data["laporan_telaah"] == "Dugaan politik uang oleh anggota KPPS TPS 03."
    assert [a.filename for a in flow.attachments(case.id, "telaah")] == ["laporan-hasil-telaah.pdf"]
    _used(flow, hukum_note)
    _done(flow, "hukum", "Dilaksanakan: BERKADAR PENGAWASAN", "Tindak lanjut pengaduan berkadar")
    kk_note = flow.one("hukum", "tugas")
    # The survey may still end in a forwarding or a closure, as proposals (issue 10 item 7).
    _asks(kk_note, "KERTAS KERJA", "TERUSKAN", "TIDAK DAPAT DITINDAKLANJUTI")
    assert kk_note.attachments == {"laporan-hasil-telaah.pdf": lht}
    assert "Dugaan politik uang oleh anggota KPPS TPS 03." in kk_note.text
    flow.nothing_for("desk", "sekretaris", "ketua", REPORTER)

    # Hukum: KERTAS KERJA with the working paper (Gmail for Android, English quote header).
    flow.later(days=1)
    kk = docx_with_text("Kertas Kerja survei pendahuluan")
    flow.reply(
        kk_note,
        "KERTAS KERJA\nKlarifikasi saksi selesai.",
        "hukum",
        style=GMAIL_ANDROID_EN,
        attachments=[("kertas-kerja.docx", DOCX, kk)],
    )
    flow.poll()
    case, [task] = _state(flow, "tindak_lanjut", "diproses")
    _used(flow, kk_note)
    assert case.data["kertas_kerja"] == "Klarifikasi saksi selesai."
    assert [a.filename for a in flow.attachments(case.id, "kertas_kerja")] == ["kertas-kerja.docx"]
    _done(flow, "hukum", "Dilaksanakan: KERTAS KERJA")
    tl_note = flow.one("hukum", "tugas")
    _asks(tl_note, "INVESTIGASI", "LAPORAN")
    # Hukum already has the report from the KERTAS KERJA task: named as kept, not sent again
    # (issue 9 item 3).
    assert tl_note.attachments == {"kertas-kerja.docx": kk}
    assert "tidak dilampirkan lagi" in tl_note.text and "- laporan-hasil-telaah.pdf" in tl_note.text

    # Hukum: INVESTIGASI with the team and their addresses (Outlook on the web, x_ ids).
    flow.later(hours=3)
    tim = f"Andi Saputra ({team[0].address}); Rina Saogo ({team[1].address})"
    flow.reply(tl_note, f"INVESTIGASI {tim}", "hukum", style=OUTLOOK_WEB_ID)
    flow.poll()
    case, [task] = _state(flow, "persetujuan_investigasi", "diproses")
    _used(flow, tl_note)
    assert case.tim == tim and task.role == "sekretaris"
    _done(flow, "hukum", "Dilaksanakan: INVESTIGASI", "Tim yang diusulkan: Andi Saputra")
    inv_note = flow.one("sekretaris", "tugas")
    _asks(inv_note, "SETUJU", "TOLAK", sekretaris=True)
    assert "TIM PEMERIKSA YANG DIUSULKAN" in inv_note.text and "Rina Saogo" in inv_note.text

    # Sekretaris: SETUJU (Gmail web; a German Outlook colleague would write "AW:").
    flow.later(hours=1)
    flow.reply(
        inv_note,
        "Setuju",
        "sekretaris",
        style=GMAIL_WEB_ID,
        subject_prefix="AW:",
        signature="Sekretaris Uji\nKPU Kabupaten Kepulauan Mentawai",
    )
    flow.poll()
    case, [task] = _state(flow, "investigasi", "diproses")
    _used(flow, inv_note)
    assert "catatan_investigasi" not in case.data  # the signature is not a note
    [surat] = flow.documents(case.id, "surat_tugas")
    assert surat.status == "rendered"
    _done(flow, "sekretaris", "Dilaksanakan: SETUJU", "Surat Tugas diterbitkan dan dikirim kepada")
    for member, name in zip(team, ("Andi Saputra", "Rina Saogo"), strict=False):
        letter = flow.one(member.address, "surat_tugas")
        [(filename, data)] = letter.attachments.items()
        assert filename.startswith("surat-tugas")
        text = " ".join(pdf_text(data).split())
        assert name in text and case.number in text and "SURAT TUGAS" in text.upper()
    invest_note = flow.one("hukum", "tugas")
    _asks(invest_note, "LAPORAN")
    assert any(n.startswith("surat-tugas") for n in invest_note.attachments)

    # Hukum: LAPORAN with the examination report (iPhone again, "Re:").
    flow.later(days=2)
    report = pdf_with_text("Laporan hasil pemeriksaan: dugaan terbukti sebagian")
    flow.reply(
        invest_note,
        "LAPORAN Dugaan terbukti sebagian; Ketua KPPS diberi teguran tertulis.\n"
        "Untuk pelapor: Dugaan terbukti sebagian; anggota KPPS telah diberi sanksi.",
        "hukum",
        style=IPHONE_ID,
        attachments=[("laporan-hasil-pemeriksaan.pdf", "application/pdf", report)],
    )
    flow.poll()
    case, [task] = _state(flow, "persetujuan_laporan", "diproses")
    _used(flow, invest_note)
    assert [a.filename for a in flow.attachments(case.id, "investigasi")] == [
        "laporan-hasil-pemeriksaan.pdf"
    ]
    _done(flow, "hukum", "Dilaksanakan: LAPORAN")
    final_note = flow.one("sekretaris", "tugas")
    _asks(final_note, "SETUJU", "TOLAK", sekretaris=True)
    assert "laporan-hasil-pemeriksaan.pdf" in final_note.attachments
    # The Sekretaris had the report of the telaah with the approval of the investigation.
    assert "laporan-hasil-telaah.pdf" not in final_note.attachments
    assert "- laporan-hasil-telaah.pdf" in final_note.text
    # The Sekretaris sees exactly what the reporter will be told.
    assert "Dugaan terbukti sebagian; anggota KPPS telah diberi sanksi." in " ".join(
        final_note.text.split()
    )

    # Sekretaris: SETUJU, the case closes and the reporter gets the outcome (new Outlook).
    flow.later(hours=4)
    flow.reply(final_note, "SETUJU", "sekretaris", style=OUTLOOK_NEW_ID, subject_prefix="Balas:")
    flow.poll()
    case, open_tasks = _state(flow, "selesai", "selesai")
    _used(flow, final_note)
    assert open_tasks == [] and case.closed_at is not None
    assert case.outcome == "Dugaan terbukti sebagian; anggota KPPS telah diberi sanksi."
    _done(flow, "sekretaris", "Dilaksanakan: SETUJU", f"Pengaduan {case.number} ditutup")
    outcome = flow.one(REPORTER, "hasil")
    assert case.outcome in outcome.text
    [(filename, data)] = outcome.attachments.items()
    letter = " ".join(pdf_text(data).split())
    assert filename.startswith("surat-hasil") and case.number in letter
    assert case.outcome in letter
    assert "teguran tertulis" not in outcome.text and "teguran tertulis" not in letter
    # Numbered and signed at the approval (the surat tugas took number 001 of the year).
    assert f"002/PP.04-SD/1309/{flow.now.year}" in letter
    assert "Disetujui melalui surel oleh" in letter and "Kode verifikasi" in letter
    assert "Laporan hasil penanganan disetujui" in flow.one("hukum", "informasi").text
    # The Ketua hears of the closure, briefly, with nothing to reply.
    closed = flow.one("ketua", "pengaduan_ditutup")
    assert case.number in closed.text and "Selesai" in closed.text
    flow.nothing_for("desk", "ketua")
    # No staff token stays live: each was used, or (the team members' own investigasi tokens,
    # issue 10 item 7) revoked when Hukum filed the report.
    staff_tokens = [t for t in flow.rows(ReplyToken, pengaduan_id=case.id) if t.role != "pelapor"]
    assert all(t.used_at is not None or t.revoked_at is not None for t in staff_tokens)
    team_tokens = [t for t in staff_tokens if t.issued_to in {m.address for m in team}]
    assert len(team_tokens) == 2 and all(t.used_at is None for t in team_tokens)
