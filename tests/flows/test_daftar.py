"""DAFTAR by email on the rig: the desk registers a walk-in or a letter (issue 10 item 4), and a
walk-in reporter without email is reached through the desk (LENGKAPI becomes a desk task)."""

from __future__ import annotations

from dumas.workflow.reports.periods import Period
from dumas.workflow.reports.recap import Recap, RecapSetup
from dumas.workflow.store.models import Pengaduan
from tests import mailfactory as mf
from tests.flows.conftest import Flow, pdf_text
from tests.replies import pdf_with_text
from tests.rig.dkimkey import sign

FORM = """DAFTAR
Nama: Yohanes Sakerebau
NIK: 1309010101800001
Telepon: 0813 7000 1111
Alamat: Dusun Puro, Desa Muntei
Lokasi kejadian: TPS 02 Desa Muntei, Kecamatan Siberut Selatan
Terlapor: Ketua KPPS TPS 02
Uraian: Pada hari pemungutan suara ketua KPPS TPS 02 mengarahkan pemilih lanjut usia
untuk memilih calon tertentu.
"""
SCAN = ("pindaian-ktp.jpg", "image/jpeg", mf.tiny_jpeg())


def daftar(flow: Flow, who: str = "desk", body: str = FORM, signed: bool = True, **kwargs) -> bytes:
    """`who` writes a new email (not a reply) to the complaint mailbox, DKIM-signed by default."""
    raw = mf.complaint(
        sender=flow.address(who),
        to=flow.office.pengaduan.address,
        subject=kwargs.pop("subject", "Pengaduan langsung"),
        body=body,
        date=flow.now,
        **kwargs,
    )
    raw = sign(raw) if signed else raw
    flow.rig.append(flow.office.pengaduan, raw, when=flow.now)
    return raw


def test_the_desk_registers_a_walk_in_with_a_scan(flow):
    daftar(flow, attachments=[SCAN])
    flow.poll()

    case = flow.case()
    assert case.number and case.channel == "langsung" and case.step == "verifikasi"
    assert (case.pelapor_name, case.pelapor_email) == ("Yohanes Sakerebau", "")
    assert (case.pelapor_phone, case.pelapor_nik) == ("+6281370001111", "1309010101800001")
    assert (case.terlapor, case.pelapor_address) == ("Ketua KPPS TPS 02", "Dusun Puro, Desa Muntei")
    assert case.tps == "002" and case.desa == "Muntei"
    assert "mengarahkan pemilih lanjut usia" in case.body
    assert [a.filename for a in flow.attachments(case.id, "pengaduan")] == ["pindaian-ktp.jpg"]
    assert (case.data or {}).get("daftar", {}).get("saluran") == "langsung"
    # Nobody outside is written to: there is no reporter address.
    assert flow.outbox("tanda_terima") == []
    assert flow.events(case.id, "tanda_terima_tidak_dikirim")
    transcript = flow.one("desk", "transkrip")
    assert "Dilaksanakan: DAFTAR LANGSUNG" in transcript.text and case.number in transcript.text
    task = flow.one("desk", "tugas")
    assert "mohon verifikasi" in task.subject and task.token

    # Processed once: a second cycle registers nothing more.
    flow.later(minutes=5)
    flow.poll()
    assert len(flow.rows(Pengaduan)) == 1


def test_the_same_daftar_delivered_twice_registers_once(flow):
    raw = daftar(flow)
    flow.rig.append(flow.office.pengaduan, raw, when=flow.now)  # a second copy, another UID
    flow.poll()
    assert len(flow.rows(Pengaduan)) == 1
    assert flow.one("desk", "transkrip") and flow.one("desk", "tugas")
    flow.nothing_for("desk")


def test_a_forwarded_letter_is_registered_as_surat(flow):
    forwarded = (
        "DAFTAR SURAT\nNama: Ani Saleleubaja\nTelepon: 0812 6600 1234\n"
        "Uraian: Surat pengaduan terlampir tentang DPT ganda di Desa Saibi.\n\n"
        "---------- Forwarded message ---------\nFrom: Pemindai <scanner@dumas.test>\n"
        "Date: Mon, 2 Nov 2026 at 09.00\nSubject: Scan\nTo: desk\n\nDokumen hasil pindaian.\n"
    )
    daftar(flow, body=forwarded, subject="Fwd: Scan", attachments=[SCAN])
    flow.poll()
    case = flow.case()
    assert (case.channel, case.pelapor_name) == ("surat", "Ani Saleleubaja")
    assert "Dokumen hasil pindaian" not in case.body
    assert "DAFTAR SURAT" in flow.one("desk", "transkrip").text


def test_an_unsigned_daftar_in_the_desk_name_registers_nothing(flow):
    daftar(flow, signed=False)
    flow.poll()
    assert flow.rows(Pengaduan) == []
    [event] = flow.events(kind="daftar_ditolak")
    assert event.detail["reason"] == "dkim_tidak_ada"
    refusal = flow.one("desk", "daftar_ditolak")
    assert "TIDAK" in refusal.text and "DKIM" in refusal.text
    flow.nothing_for("desk")


def test_the_sekretaris_cannot_register_by_daftar(flow):
    daftar(flow, who="sekretaris")
    flow.poll()
    assert flow.events(kind="daftar_ditolak")[0].detail["reason"] == "daftar_bukan_desk"
    assert "Desk Pelayanan" in flow.one("sekretaris", "daftar_ditolak").text
    flow.nothing_for("desk")


def test_a_daftar_without_uraian_is_refused_with_the_form_to_use(flow):
    daftar(flow, body="DAFTAR\nNama: Ani\n")
    flow.poll()
    refusal = flow.one("desk", "daftar_ditolak")
    assert "Uraian pengaduan tidak ditemukan" in refusal.text and "Lokasi kejadian:" in refusal.text
    assert flow.events(kind="pengaduan_diterima") == []


def test_lengkapi_on_a_walk_in_is_a_desk_task_with_a_printed_letter(flow):
    daftar(
        flow,
        body=FORM.replace("Lokasi kejadian: TPS 02 Desa Muntei, Kecamatan Siberut Selatan\n", ""),
    )
    flow.poll()
    flow.one("desk", "transkrip")
    task = flow.one("desk", "tugas")
    outside_before = [m for m in flow.outbox() if not _staff(flow, m)]
    flow.later(minutes=10)
    flow.reply(task, "LENGKAPI Mohon sebutkan lokasi kejadian (TPS, desa, kecamatan).", "desk")
    flow.poll()

    case = flow.case()
    assert (case.step, case.status) == ("menunggu_pelapor", "menunggu_pelapor")
    ask = flow.one("desk", "hubungi_pelapor")
    assert "+6281370001111" in ask.text and "lokasi kejadian" in ask.text and ask.token
    [(filename, data)] = ask.attachments.items()
    assert filename.startswith("surat-permintaan-kelengkapan")
    letter = " ".join(pdf_text(data).split())
    assert "Yohanes Sakerebau" in letter and case.number in letter
    assert "Dilaksanakan: LENGKAPI" in flow.one("desk", "transkrip").text
    # Nothing left the office by email: every message so far went to staff.
    assert [m for m in flow.outbox() if not _staff(flow, m)] == outside_before == []

    # The reporter came by with the answer; the desk records it by replying LENGKAP.
    flow.later(days=1)
    flow.reply(ask, "LENGKAP", "desk")
    flow.poll()
    assert flow.case().step == "disposisi"
    assert flow.one("sekretaris", "tugas")


def _staff(flow: Flow, message) -> bool:
    staff = {s.address.lower() for s in flow.office.staff.values()}
    return {a.lower() for a in message.to_addrs} <= staff


# A walk-in's case from LENGKAP to the Sekretaris' SETUJU on the report: (role, reply, files).
TO_CLOSURE = [
    ("desk", "LENGKAP"),
    ("sekretaris", "DISPOSISI HUKUM Mohon ditelaah."),
    ("hukum", "BERKADAR PENGAWASAN\nDugaan pengarahan pemilih oleh Ketua KPPS TPS 02."),
    ("hukum", "KERTAS KERJA\nKlarifikasi saksi selesai.", "kertas-kerja.pdf"),
    (
        "hukum",
        "LAPORAN Dugaan terbukti; Ketua KPPS diberi teguran tertulis.\n"
        "Untuk pelapor: Dugaan terbukti; petugas KPPS telah diberi sanksi.",
    ),
    ("sekretaris", "SETUJU"),
]


def _to_closure(flow: Flow) -> str:
    """Run TO_CLOSURE by email, each reply answering its task; the last transcript's text."""
    transcript = ""
    for who, command, *files in TO_CLOSURE:
        note = flow.one(who, "tugas")
        flow.later(hours=2)
        papers = [(f, "application/pdf", pdf_with_text(f)) for f in files]
        flow.reply(note, command, who, attachments=papers)
        flow.poll()
        transcript = flow.one(who, "transkrip").text
        assert f"Dilaksanakan: {command.split()[0]}" in transcript
    return transcript


def test_a_walk_in_registered_by_daftar_runs_the_whole_sop(flow):
    """Issue 10, "done when": a walk-in registered by the desk's DAFTAR email, through every
    step to closure; nobody outside the office is written to (the reporter has no email)."""
    daftar(flow, attachments=[SCAN])
    flow.poll()
    flow.one("desk", "transkrip")
    _to_closure(flow)
    case = flow.case()
    assert (case.step, case.status, case.channel) == ("selesai", "selesai", "langsung")
    assert case.closed_at is not None
    assert case.outcome == "Dugaan terbukti; petugas KPPS telah diberi sanksi."
    [surat] = flow.documents(case.id, "surat_hasil")
    assert surat.status == "rendered"
    # The rig delivers the office's own addresses into Dovecot and captures every other one.
    assert [e.external for e in flow.rig.envelopes() if e.external] == []


def test_the_walk_in_s_surat_hasil_is_a_desk_task_until_terkirim(flow):
    """Issue 10 item 4: a letter to a reporter without email is the desk's task (deadline,
    the numbered letter to print), the case closes on time, and the letter counts as unsent in
    STATUS, the riwayat and the recap until the desk's TERKIRIM (with the receipt's scan)."""
    daftar(flow)
    flow.poll()
    flow.one("desk", "transkrip")
    transcript = _to_closure(flow)
    case = flow.case()
    closed = case.closed_at
    assert (case.step, case.status) == ("selesai", "selesai") and closed is not None
    assert "dicetak dan dikirim oleh Desk Pelayanan" in transcript
    # The desk's task: a deadline, and the numbered surat hasil to print.
    task = flow.one("desk", "tugas")
    assert "Pengiriman surat kepada pelapor" in task.subject and task.token
    [(name, data)] = task.attachments.items()
    assert name.startswith("surat-hasil") and "/PP.04-SD/1309/" in pdf_text(data)
    assert "TERKIRIM" in task.text and "petugas KPPS telah diberi sanksi." in task.text
    [open_task] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    assert (open_task.step, open_task.role) == ("pengiriman_surat_pelapor", "desk")
    assert case.data["surat_pelapor"] == {"surat": "surat_hasil", "terkirim": False}
    assert flow.events(case.id, "surat_pelapor_menunggu")

    # STATUS and the recap say the letter has not gone yet.
    flow.later(hours=1)
    flow.reply(task, "STATUS", "desk")
    flow.poll()
    status = flow.one("desk", "status").text
    assert "BELUM TERKIRIM" in status and "Ditutup:" in status
    assert "Surat kepada pelapor belum terkirim." in _recap_note(flow, case.number)

    flow.later(days=1)
    receipt = pdf_with_text("Tanda terima surat, ditandatangani pelapor")
    flow.reply(
        task,
        "TERKIRIM diserahkan langsung kepada pelapor di kantor",
        "desk",
        attachments=[("tanda-terima.pdf", "application/pdf", receipt)],
    )
    flow.poll()
    case = flow.case()
    assert (case.step, case.closed_at) == ("selesai", closed)  # the closure did not move
    assert case.data["surat_pelapor"]["terkirim"] is True
    assert all(t.closed_at for t in flow.tasks(case.id))
    assert [a.filename for a in flow.attachments(case.id, "pengiriman_surat_pelapor")] == [
        "tanda-terima.pdf"
    ]
    [sent] = flow.events(case.id, "surat_pelapor_terkirim")
    assert "diserahkan langsung kepada pelapor di kantor" in sent.summary
    assert "Dilaksanakan: TERKIRIM" in flow.one("desk", "transkrip").text
    assert "belum terkirim" not in _recap_note(flow, case.number)
    # Still nothing left the office by email.
    assert [e.external for e in flow.rig.envelopes() if e.external] == []


def _recap_note(flow: Flow, number: str) -> str:
    setup = RecapSetup(flow.app.sop, flow.app.calendar, "KPU")
    period = Period.month(flow.now.astimezone(flow.app.tz).strftime("%Y-%m"))
    with flow.app.sessions() as session:
        recap = Recap(session, period, setup, flow.now)
        return next(r.keterangan for r in recap.rows() if r.number == number)
