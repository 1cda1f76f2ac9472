"""DAFTAR by email on the rig: the desk registers a walk-in or a letter (issue 10 item 4), and a
walk-in reporter without email is reached through the desk (LENGKAPI becomes a desk task)."""

from __future__ import annotations

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


def test_a_walk_in_registered_by_daftar_runs_the_whole_sop(flow):
    """Issue 10, "done when": a walk-in registered by the desk's DAFTAR email, through every
    step to closure; nobody outside the office is written to (the reporter has no email)."""
    daftar(flow, attachments=[SCAN])
    flow.poll()
    flow.one("desk", "transkrip")
    steps = [
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
    for who, command, *files in steps:
        note = flow.one(who, "tugas")
        flow.later(hours=2)
        papers = [(f, "application/pdf", pdf_with_text(f)) for f in files]
        flow.reply(note, command, who, attachments=papers)
        flow.poll()
        assert f"Dilaksanakan: {command.split()[0]}" in flow.one(who, "transkrip").text
    case = flow.case()
    assert (case.step, case.status, case.channel) == ("selesai", "selesai", "langsung")
    assert case.closed_at is not None
    assert case.outcome == "Dugaan terbukti; petugas KPPS telah diberi sanksi."
    [surat] = flow.documents(case.id, "surat_hasil")
    assert surat.status == "rendered"
    # The rig delivers the office's own addresses into Dovecot and captures every other one.
    assert [e.external for e in flow.rig.envelopes() if e.external] == []
