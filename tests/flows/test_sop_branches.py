"""The SOP's other paths by email, on the real rig: forwarding, closing, sending back, asking the
reporter, conflicts of interest, STATUS, BANTUAN and DELEGASI."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

import pytest

from dumas.workflow.sop.commands.grammar import REPLY_MARKER
from dumas.workflow.sop.numbering import case_tag
from dumas.workflow.store.models import Delegation, OutgoingLetter
from tests import mailfactory as mf
from tests.flows.conftest import (
    REPORTER,
    commands_in,
    forwarded_to_bawaslu,
    pdf_text,
    proposed_to_bawaslu,
    registered,
    to_disposisi,
    to_step_7,
    to_telaah,
)
from tests.replies import (
    GMAIL_ANDROID_EN,
    GMAIL_WEB_ID,
    IPHONE_ID,
    OUTLOOK_ID,
    OUTLOOK_NEW_ID,
    OUTLOOK_WEB_ID,
    WIB,
    pdf_with_text,
)
from tests.replies import reply as reply_to

BAWASLU = "bawaslu.mentawai@bawaslu.example"
OUTSIDER = "teman.sekretaris@gmail.com"
IDENTITY = ("Budi", "Santoso", "budi.santoso", "3456", "Jl. Raya Muara Siberut No. 5")


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.dumas_settings(
    sop={"agencies": {"bawaslu": {"email": BAWASLU, "address": "Tuapejat"}}},
    officials={"sekretaris_nama": "Dra. Rosita Sabebegen", "sekretaris_nip": "197001011990032001"},
)
def test_teruskan_needs_the_sekretaris_then_a_numbered_signed_letter_reaches_the_agency(
    flow, tmp_path
):
    ask = proposed_to_bawaslu(flow)
    # Hukum's TERUSKAN is a proposal: nothing has left, the reporter has heard nothing.
    case = flow.case()
    assert (case.step, case.forwarded_to) == ("persetujuan_penerusan", "")
    flow.nothing_for(BAWASLU, REPORTER, "ketua")
    assert any(n.startswith("surat-penerusan") for n in ask.attachments)  # the draft
    draft = _flat(pdf_text(next(d for n, d in ask.attachments.items() if "penerusan" in n)))
    assert "……" in draft and "Disetujui melalui surel" not in draft  # unnumbered, unsigned
    # The approval request shows what the reporter will be told.
    assert "pelapor diberi tahu setelah surat terkirim" in _flat(ask.text)
    assert "telah diteruskan kepada Bawaslu Kabupaten Kepulauan Mentawai" in _flat(ask.text)
    transcript = flow.one("hukum", "transkrip")
    assert "Dilaksanakan: TERUSKAN BAWASLU" in transcript.text

    flow.later(hours=2)
    flow.reply(ask, "SETUJU", "sekretaris", style=OUTLOOK_WEB_ID)
    flow.poll()
    case = flow.case()
    assert (case.step, case.status, case.forwarded_to) == (
        "diteruskan",
        "diteruskan",
        "Bawaslu Kabupaten Kepulauan Mentawai",
    )
    assert case.closed_at is not None and all(t.closed_at for t in flow.tasks(case.id))
    letter_mail = flow.one(BAWASLU, "penerusan_instansi")
    [(filename, data)] = letter_mail.attachments.items()
    assert filename.startswith("surat-penerusan")
    letter = _flat(pdf_text(data))
    year = flow.now.year
    assert f"001/PP.04-SD/1309/{year}" in letter and case.number in letter
    assert "Dra. Rosita Sabebegen" in letter and "NIP. 197001011990032001" in letter
    assert "Disetujui melalui surel oleh Dra. Rosita Sabebegen (Sekretaris) pada" in letter
    assert "Dirahasiakan" in letter and "dugaan pelanggaran administrasi pemilu" in letter
    for secret in IDENTITY:  # neither the letter nor the email names the reporter
        assert secret not in letter, secret
        assert secret not in letter_mail.text and secret not in letter_mail.subject, secret
    # Tembusan: the Ketua gets the letter; the reporter is told, with their own copy.
    assert any(n.startswith("surat-penerusan") for n in flow.one("ketua", "informasi").attachments)
    told = flow.one(REPORTER, "diteruskan")
    assert "Bawaslu Kabupaten Kepulauan Mentawai" in told.text and case.number in told.text
    [copy] = [d for n, d in told.attachments.items() if n.startswith("surat-penerusan")]
    copy_text = _flat(pdf_text(copy))
    assert "SALINAN UNTUK PELAPOR" in copy_text and f"001/PP.04-SD/1309/{year}" in copy_text
    assert "Pertimbangan penerusan" not in copy_text
    assert "Dilaksanakan: SETUJU" in flow.one("sekretaris", "transkrip").text
    flow.nothing_for("desk")

    # dumas verify: the letter as sent is ours; changed by one byte it is not.
    sent = tmp_path / "surat.pdf"
    sent.write_bytes(data)
    rc, out = flow._dumas("verify", str(sent))
    assert rc == 0 and "VERIFIED" in out and f"001/PP.04-SD/1309/{year}" in out, out
    assert "Sekretaris" in out
    changed = tmp_path / "diubah.pdf"
    changed.write_bytes(data[:-20] + bytes([data[-20] ^ 1]) + data[-19:])
    rc, out = flow._dumas("verify", str(changed))
    assert rc == 1 and "NOT VERIFIED" in out
    [row] = flow.rows(OutgoingLetter)
    rc, out = flow._dumas("verify", row.kode)
    assert rc == 0 and row.kode in letter and f"001/PP.04-SD/1309/{year}" in out


def test_teruskan_to_an_agency_without_email_is_posted_by_the_desk_then_terkirim(flow, tmp_path):
    ask = forwarded_to_bawaslu(flow)
    assert ask.kind == "tugas"
    case = flow.case()
    assert case.step == "pengiriman_penerusan" and case.closed_at is None
    [task] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    assert (task.role, task.step) == ("desk", "pengiriman_penerusan") and task.due_at
    desk = flow.one("desk", "tugas")
    [letter] = [d for n, d in desk.attachments.items() if n.startswith("surat-penerusan")]
    assert "/PP.04-SD/1309/" in _flat(pdf_text(letter))  # numbered: ready to print and post
    assert "TERKIRIM" in desk.text
    flow.nothing_for(REPORTER, "ketua")  # not sent yet: nobody is told it was

    flow.later(days=1)
    receipt = pdf_with_text("Resi Pos Indonesia RR123456789ID")
    flow.reply(
        desk,
        "TERKIRIM melalui Pos Indonesia, resi RR123456789ID",
        "desk",
        style=IPHONE_ID,
        attachments=[("resi-pos.pdf", "application/pdf", receipt)],
    )
    flow.poll()
    case = flow.case()
    assert (case.step, case.status) == ("diteruskan", "diteruskan")
    # The scan of the receipt is filed with the case.
    assert [a.filename for a in flow.attachments(case.id, "pengiriman_penerusan")] == [
        "resi-pos.pdf"
    ]
    # The letter is an archival PDF (PDF/A-3b).
    meta = subprocess.run(
        ["pdfinfo", "-meta", "-"], input=letter, capture_output=True, check=False
    ).stdout.decode()
    if not meta:  # older pdfinfo reads no stdin
        path = tmp_path / "surat.pdf"
        path.write_bytes(letter)
        meta = subprocess.run(
            ["pdfinfo", "-meta", str(path)], capture_output=True, check=True
        ).stdout.decode()
    assert 'pdfaid:part="3"' in meta
    assert case.data["pengiriman_penerusan"] == "melalui Pos Indonesia, resi RR123456789ID"
    assert "Bawaslu Kabupaten Kepulauan Mentawai" in flow.one(REPORTER, "diteruskan").text
    assert flow.one("ketua", "informasi").attachments
    assert "Dilaksanakan: TERKIRIM" in flow.one("desk", "transkrip").text


@pytest.mark.dumas_settings(
    officials={"sekretaris_nama": "Dra. Rosita Sabebegen", "sekretaris_nip": "197001011990032001"},
)
def test_tidak_dapat_ditindaklanjuti_is_approved_before_the_reporter_is_told(flow, tmp_path):
    hukum_note = to_telaah(flow)
    flow.inbox(REPORTER)
    flow.later(days=2)
    first = "Identitas terlapor tidak dapat dipastikan."
    flow.reply(hukum_note, f"Tidak dapat ditindaklanjuti: {first}", "hukum", style=GMAIL_ANDROID_EN)
    flow.poll()
    # Hukum's word is a proposal: nothing has left, the case is open, the Sekretaris is asked.
    case = flow.case()
    assert (case.step, case.status, case.closed_at) == (
        "persetujuan_tidak_ditindaklanjuti",
        "diproses",
        None,
    )
    ask = flow.one("sekretaris", "tugas")
    flow.nothing_for(REPORTER, "desk", "ketua")
    assert flow.rows(OutgoingLetter) == []  # no number is taken for a draft
    [draft] = [d for n, d in ask.attachments.items() if n.startswith("surat-pemberitahuan")]
    draft_text = _flat(pdf_text(draft))
    assert first in draft_text and "……" in draft_text
    assert "Disetujui melalui surel" not in draft_text and "Ditetapkan" not in draft_text
    # The approval request shows exactly the reason the reporter will receive.
    assert f"tidak dapat ditindaklanjuti, dengan alasan: {first}" in _flat(ask.text)
    assert "SETUJU" in commands_in(ask.text) and "TOLAK" in commands_in(ask.text)
    assert "Dilaksanakan: TIDAK DAPAT DITINDAKLANJUTI" in flow.one("hukum", "transkrip").text

    # A forged or unauthorised SETUJU changes nothing: Hukum answering the Sekretaris's
    # request, and an outsider with her token under her name.
    before = flow.snapshot(case.id)
    flow.later(minutes=30)
    flow.reply(ask, "SETUJU", "hukum", style=OUTLOOK_WEB_ID)
    reply_to(ask, "SETUJU", sender=flow.address("sekretaris"), from_=OUTSIDER).send(flow.rig)
    flow.poll()
    assert flow.snapshot(case.id) == before
    refused = flow.events(case.id, "perintah_ditolak")
    assert sorted(e.detail["reason"] for e in refused) == ["bukan_peran", "pengirim_tidak_dikenal"]
    assert flow.one("hukum", "penolakan") and flow.one(OUTSIDER, "penolakan")
    flow.nothing_for(REPORTER, "desk", "ketua", "sekretaris")
    assert flow.rows(OutgoingLetter) == []

    # The Sekretaris sends it back with a note: the task returns to Hukum, nobody else hears.
    flow.later(hours=2)
    catatan = "Mohon klarifikasi terlapor kepada PPS terlebih dahulu."
    flow.reply(ask, f"TOLAK {catatan}", "sekretaris", style=OUTLOOK_NEW_ID)
    flow.poll()
    case = flow.case()
    assert (case.step, case.closed_at) == ("telaah", None)
    assert case.data["catatan_tidak_ditindaklanjuti"] == catatan
    again = flow.one("hukum", "tugas")
    assert catatan in _flat(again.text)
    assert f"Dikembalikan dengan catatan: {catatan}" in flow.one("sekretaris", "transkrip").text
    flow.nothing_for(REPORTER, "desk", "ketua")

    # Hukum proposes again, with the reason the reporter is to read; the Sekretaris approves.
    flow.later(days=1)
    alasan = "Terlapor bukan penyelenggara pemilu dan kejadian tidak dapat dipastikan waktunya."
    flow.reply(again, f"TIDAK DAPAT DITINDAKLANJUTI {alasan}", "hukum", style=IPHONE_ID)
    flow.poll()
    flow.inbox("hukum")
    ask = flow.one("sekretaris", "tugas")
    assert alasan in _flat(ask.text) and first not in _flat(ask.text)
    flow.later(hours=1)
    flow.reply(ask, "SETUJU Sudah sesuai.", "sekretaris", style=GMAIL_WEB_ID)
    flow.poll()
    case = flow.case()
    assert (case.step, case.status, case.outcome) == (
        "tidak_ditindaklanjuti",
        "tidak_ditindaklanjuti",
        alasan,
    )
    assert case.closed_at is not None and all(t.closed_at for t in flow.tasks(case.id))
    told = flow.one(REPORTER, "tidak_ditindaklanjuti")
    assert alasan in _flat(told.text) and "Sudah sesuai" not in told.text
    assert "Surat pemberitahuan resmi (PDF, bernomor)" in told.text
    [(name, data)] = told.attachments.items()
    assert name.startswith("surat-pemberitahuan")
    letter = _flat(pdf_text(data))
    year = flow.now.year
    assert f"001/PP.04-SD/1309/{year}" in letter and case.number in letter
    assert "Pemberitahuan Pengaduan Tidak Dapat Ditindaklanjuti" in letter and alasan in letter
    assert first not in letter and "Bapak/Ibu Budi Santoso" in letter
    assert "Dra. Rosita Sabebegen" in letter and "NIP. 197001011990032001" in letter
    assert "Disetujui melalui surel oleh Dra. Rosita Sabebegen (Sekretaris) pada" in letter
    assert "Ditetapkan" not in letter
    [row] = flow.rows(OutgoingLetter)
    assert (row.kind, row.tujuan) == ("surat_pemberitahuan", "Pelapor") and row.kode in letter
    sent = tmp_path / "surat.pdf"
    sent.write_bytes(data)
    rc, out = flow._dumas("verify", str(sent))
    assert rc == 0 and "VERIFIED" in out and f"001/PP.04-SD/1309/{year}" in out, out
    assert "Sekretaris" in out and "Ditetapkan oleh" not in out
    assert "Dilaksanakan: SETUJU" in flow.one("sekretaris", "transkrip").text
    assert "disetujui Sekretaris" in flow.one("hukum", "informasi").text
    assert "Tidak dapat ditindaklanjuti" in flow.one("ketua", "pengaduan_ditutup").text
    flow.nothing_for("desk", "ketua")


def test_bukan_pengaduan_tells_the_sender_without_a_numbered_letter(flow):
    """Not a complaint: the reason by email, but no official letter (no number taken from the
    letters' sequence, nothing in the agenda surat keluar); the registration number stays."""
    desk_note = registered(flow)
    flow.inbox(REPORTER)  # the acknowledgement
    flow.later(minutes=10)
    alasan = "Pesan berisi penawaran jasa percetakan, bukan pengaduan."
    flow.reply(desk_note, f"BUKAN PENGADUAN {alasan}", "desk", style=OUTLOOK_ID)
    flow.poll()
    case = flow.case()
    assert (case.step, case.outcome) == ("bukan_pengaduan", alasan) and case.number
    told = flow.one(REPORTER, "bukan_pengaduan")
    assert alasan in _flat(told.text) and case.number in told.text
    assert told.attachments == {} and "bernomor" not in told.text
    assert flow.rows(OutgoingLetter) == [] and flow.documents(case.id, "surat_pemberitahuan") == []
    assert "Dilaksanakan: BUKAN PENGADUAN" in flow.one("desk", "transkrip").text


def test_tolak_at_step_7_sends_the_report_back_to_hukum_with_the_notes(flow):
    final_note = to_step_7(flow)
    assert flow.case().step == "persetujuan_laporan"
    flow.inbox(REPORTER)
    flow.later(hours=2)
    catatan = "Mohon lengkapi keterangan saksi dan foto lokasi."
    flow.reply(
        final_note, f"TOLAK {catatan}", "sekretaris", style=OUTLOOK_NEW_ID, subject_prefix="RE:"
    )
    flow.poll()
    case = flow.case()
    assert (case.step, case.status, case.data["catatan_laporan"]) == (
        "tindak_lanjut",
        "diproses",
        catatan,
    )
    [open_task] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    assert open_task.role == "hukum"
    [closed] = [t for t in flow.tasks(case.id) if t.step == "persetujuan_laporan"]
    assert closed.outcome == "tolak"
    transcript = flow.one("sekretaris", "transkrip")
    assert f"Dikembalikan dengan catatan: {catatan}" in transcript.text
    again = flow.one("hukum", "tugas")
    assert "CATATAN DARI TAHAP SEBELUMNYA\n" + catatan in again.text
    assert commands_in(again.text)[:2] == ["INVESTIGASI", "LAPORAN"]
    flow.nothing_for(REPORTER, "desk", "ketua")

    # Hukum answers the notes; this time the Sekretaris approves and the reporter is told.
    flow.later(days=1)
    flow.reply(
        again,
        "LAPORAN Keterangan saksi dilengkapi; dugaan tidak terbukti.",
        "hukum",
        style=IPHONE_ID,
    )
    flow.poll()
    flow.later(hours=1)
    flow.reply(flow.one("sekretaris", "tugas"), "SETUJU", "sekretaris", style=GMAIL_WEB_ID)
    flow.poll()
    assert flow.case().step == "selesai"
    # A bare SETUJU sends Hukum's internal line nowhere: the reporter gets the standard sentence.
    told = " ".join(flow.one(REPORTER, "hasil").text.split())
    assert "Keterangan saksi dilengkapi" not in told
    assert "telah selesai ditangani sesuai dengan ketentuan peraturan perundang-undangan" in told


def test_lengkapi_asks_the_reporter_and_their_answer_goes_back_to_the_desk(flow):
    reporter = "warga.peduli@yahoo.co.id"
    desk_note = registered(
        flow,
        sender=f"Warga Peduli <{reporter}>",
        subject="laporan petugas tidak netral",
        body=mf.KOMPLAIN_KURANG,
    )
    case = flow.case()
    assert case.missing == ["identitas", "lokasi", "bukti"]
    flow.inbox(reporter)  # the acknowledgement
    flow.later(minutes=10)
    apa = "Mohon sebutkan nama, nomor HP, lokasi kejadian (TPS, desa, kecamatan), dan bukti foto."
    flow.reply(desk_note, f"LENGKAPI {apa}", "desk", style=GMAIL_WEB_ID)
    flow.poll()
    case = flow.case()
    assert (case.step, case.status) == ("menunggu_pelapor", "menunggu_pelapor")
    assert [t for t in flow.tasks(case.id) if t.closed_at is None] == []  # no clock runs on them
    ask = flow.one(reporter, "permintaan_kelengkapan")
    assert apa in ask.text and ask.text.splitlines()[0] == REPLY_MARKER and ask.token
    transcript = flow.one("desk", "transkrip")
    assert "Dilaksanakan: LENGKAPI" in transcript.text and transcript.token  # still theirs

    # The reporter answers from their phone, with the data and a photo.
    flow.later(hours=5)
    flow.reply(
        ask,
        "Nama: Yohanes Sakerebau\nNo. HP: 0813 7000 1111\n"
        "Kejadiannya di TPS 02 Desa Muntei, Kecamatan Siberut Selatan.",
        reporter,
        style=IPHONE_ID,
        attachments=[("bukti.jpg", "image/jpeg", mf.tiny_jpeg())],
    )
    flow.poll()
    case = flow.case()
    assert (case.step, case.status) == ("verifikasi", "verifikasi")
    assert (case.pelapor_phone, case.tps, case.desa) == ("+6281370001111", "002", "Muntei")
    assert case.missing == []
    assert [a.filename for a in flow.attachments(case.id, "pengaduan")] == ["bukti.jpg"]
    assert "Dikirim dari iPhone" not in case.body and "Balas di atas garis" not in case.body
    assert flow.one(reporter, "tanggapan_diterima")
    again = flow.one("desk", "tugas")
    assert "Pelapor melengkapi pengaduan" in again.subject
    assert "bukti.jpg" in again.attachments

    # … and the desk can now say LENGKAP on that new request.
    flow.later(minutes=10)
    flow.reply(again, "LENGKAP", "desk", style=OUTLOOK_ID)
    flow.poll()
    assert flow.case().step == "disposisi"
    assert flow.one("sekretaris", "tugas")


def test_konflik_sekretaris_lets_the_ketua_decide_the_disposition(flow):
    desk_note = registered(flow)
    flow.later(minutes=5)
    flow.reply(
        desk_note,
        "KONFLIK SEKRETARIS\nPelapor menyebut Sekretaris sebagai terlapor.",
        "desk",
        style=GMAIL_WEB_ID,
    )
    flow.poll()
    case = flow.case()
    assert (case.step, case.conflict_role) == ("verifikasi", "sekretaris")
    transcript = flow.one("desk", "transkrip")
    assert "Keputusan Sekretaris atas pengaduan ini dialihkan kepada Ketua." in transcript.text
    assert transcript.token, "the desk still decides: its transcript carries a fresh token"

    flow.later(minutes=5)
    flow.reply(transcript, "LENGKAP", "desk", style=IPHONE_ID)
    flow.poll()
    case = flow.case()
    [task] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    assert (case.step, task.role) == ("disposisi", "ketua")
    ketua_note = flow.one("ketua", "tugas")
    assert commands_in(ketua_note.text)[0] == "DISPOSISI"
    flow.nothing_for("sekretaris")

    flow.later(hours=3)
    flow.reply(ketua_note, "DISPOSISI HUKUM Segera ditelaah.", "ketua", style=OUTLOOK_ID)
    flow.poll()
    case = flow.case()
    assert (case.step, case.disposisi_to, case.disposisi_note) == (
        "telaah",
        "hukum",
        "Segera ditelaah.",
    )
    assert "Dilaksanakan: DISPOSISI HUKUM" in flow.one("ketua", "transkrip").text

    # Whatever the Sekretaris would be told or asked later goes to the Ketua instead.
    flow.later(days=1)
    flow.reply(
        flow.one("hukum", "tugas"),
        "TIDAK DAPAT DITINDAKLANJUTI Terlapor bukan penyelenggara pemilu.",
        "hukum",
        style=GMAIL_ANDROID_EN,
    )
    flow.poll()
    assert flow.case().step == "persetujuan_tidak_ditindaklanjuti"
    ketua_ask = flow.one("ketua", "tugas")  # the Ketua approves, not the conflicted Sekretaris
    assert "Terlapor bukan penyelenggara pemilu." in ketua_ask.text
    assert [m.kind for m in flow.inbox(REPORTER)] == ["tanda_terima", "diproses"]
    flow.nothing_for("sekretaris")
    flow.later(hours=1)
    flow.reply(ketua_ask, "SETUJU", "ketua", style=OUTLOOK_ID)
    flow.poll()
    assert flow.case().step == "tidak_ditindaklanjuti"
    assert flow.one(REPORTER, "tidak_ditindaklanjuti")
    flow.nothing_for("sekretaris")


def test_status_for_staff_and_for_the_reporter(flow):
    sek_note = to_disposisi(flow)
    ack = flow.one(REPORTER, "tanda_terima")
    flow.inbox(REPORTER)
    case = flow.case()
    flow.later(hours=1)
    flow.reply(sek_note, "STATUS", "sekretaris", style=OUTLOOK_WEB_ID)
    flow.poll()
    status = flow.one("sekretaris", "status")
    text = status.text
    assert case.number in text and "Tahap: 3. Disposisi Sekretaris" in text
    assert "Menunggu tindakan: Sekretaris" in text and "Batas waktu tahap ini: " in text
    assert "Batas akhir penyelesaian (Perpres 76/2013): " in text
    riwayat = text.split("RIWAYAT\n", 1)[1].splitlines()
    assert riwayat[0].endswith(": Pengaduan diterima melalui email.")
    assert any(line.endswith(": Dilaksanakan: LENGKAP") for line in riwayat)
    assert flow.token_row(sek_note).used_at is None  # STATUS uses up nothing
    assert flow.case().step == "disposisi"

    # The reporter asks too (Gmail web, on their acknowledgement): nothing internal comes back.
    flow.later(minutes=10)
    flow.reply(ack, "STATUS", REPORTER, style=GMAIL_WEB_ID)
    flow.poll()
    answer = flow.one(REPORTER, "status_pelapor")
    assert case.number in answer.text and "Tahap saat ini: Disposisi Sekretaris" in answer.text
    for internal in ("Dilaksanakan", flow.address("desk"), flow.address("sekretaris"), "RIWAYAT"):
        assert internal not in answer.text
    flow.nothing_for("desk", "hukum", "ketua")

    # The STATUS answer carries a fresh token: the Sekretaris decides by replying to it.
    flow.later(minutes=10)
    flow.reply(status, "DISPOSISI HUKUM", "sekretaris", style=IPHONE_ID)
    flow.poll()
    assert flow.case().step == "telaah"


def test_bantuan_lists_what_each_person_may_do_now(flow):
    hukum_note = to_telaah(flow)
    ack = flow.one(REPORTER, "tanda_terima")
    flow.later(hours=1)
    flow.reply(hukum_note, "HELP", "hukum", style=GMAIL_ANDROID_EN)
    flow.reply(ack, "bantuan", REPORTER, style=IPHONE_ID)
    flow.poll()
    staff = flow.one("hukum", "bantuan")
    assert commands_in(staff.text) == [
        "BERKADAR PENGAWASAN",
        "TERUSKAN",
        "SUB BAGIAN",
        "TIDAK DAPAT DITINDAKLANJUTI",
        "STATUS",
        "BANTUAN",
    ]
    assert "Contoh: TERUSKAN" in staff.text
    assert staff.token and flow.token_row(hukum_note).used_at is None
    reporter = flow.one(REPORTER, "bantuan")
    assert commands_in(reporter.text) == [
        "STATUS",
        "BANTUAN",
        "IDENTITAS BOLEH DIBUKA",
        "IDENTITAS DIRAHASIAKAN",
    ]
    assert flow.case().step == "telaah"
    flow.nothing_for("desk", "sekretaris", "ketua")


def test_delegasi_lets_a_deputy_decide_until_the_end_of_the_day_given(flow, rig):
    deputy = rig.new_user("wakil").address
    sek_note = to_disposisi(flow)
    until = (flow.now + timedelta(days=3)).date()
    flow.later(minutes=30)
    flow.reply(
        sek_note, f"DELEGASI {deputy} sampai {until:%d-%m-%Y}", "sekretaris", style=OUTLOOK_ID
    )
    flow.poll()
    [row] = flow.rows(Delegation)
    assert (row.role, row.address) == ("sekretaris", deputy)
    assert row.until == datetime.combine(until + timedelta(days=1), datetime.min.time(), WIB)
    told = flow.one(deputy, "delegasi")
    assert "pelaksana harian Sekretaris" in told.text
    handed = flow.one(deputy, "tugas")  # the disposition already open reaches the deputy at once
    assert handed.token and "sebagai pelaksana harian Sekretaris" in handed.text
    transcript = flow.one("sekretaris", "transkrip")
    assert f"{deputy} dapat bertindak sebagai Sekretaris" in transcript.text
    assert flow.case().step == "disposisi"

    # The reminder of the open disposition reaches the deputy too, who decides with it.
    [task] = [t for t in flow.tasks(flow.case().id) if t.closed_at is None]
    flow.at(task.remind_at)
    flow.poll()
    reminder = flow.one(deputy, "pengingat")
    assert flow.one("sekretaris", "pengingat").token != reminder.token
    flow.later(minutes=20)
    flow.reply(reminder, "DISPOSISI HUKUM", deputy, style=GMAIL_WEB_ID)
    flow.poll()
    case = flow.case()
    assert case.step == "telaah"
    [accepted] = flow.events(case.id, "perintah_diterima")[-1:]
    assert accepted.actor == deputy and accepted.detail["delegated"] == ["sekretaris"]
    assert "Dilaksanakan: DISPOSISI HUKUM" in flow.one(deputy, "transkrip").text

    # After the last day of the delegation the deputy is nobody to the system again.
    flow.at(row.until + timedelta(minutes=1))
    flow.reply(reminder, "STATUS", deputy, style=GMAIL_WEB_ID)
    flow.poll("intake", "outbox")
    refused = flow.events(case.id, "perintah_ditolak")
    assert [(e.actor, e.detail["reason"]) for e in refused] == [(deputy, "pengirim_tidak_dikenal")]
    assert flow.one(deputy, "penolakan")


@pytest.mark.dumas_settings(replies={"plus_addressing": False})
def test_without_plus_addressing_the_token_rides_in_the_subject(flow):
    desk_note = registered(flow)
    assert desk_note.reply_address == flow.office.pengaduan.address and not desk_note.token
    token = desk_note.subject.split("#", 1)[1].split("]", 1)[0]
    assert len(token) == 26 and case_tag(flow.case().number)[:-1] in desk_note.subject
    flow.later(minutes=5)
    flow.reply(desk_note, "LENGKAP", "desk", style=OUTLOOK_ID, in_reply_to=False)
    flow.poll()
    assert flow.case().step == "disposisi"
    assert flow.token_row(desk_note).used_at is not None
    sek_note = flow.one("sekretaris", "tugas")
    assert "#" in sek_note.subject and token not in sek_note.subject
