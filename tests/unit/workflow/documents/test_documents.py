"""The printable documents, checked the way a person would: real WeasyPrint renders, read back with
poppler (pdftotext, pdfinfo, pdfimages, pdffonts). Nothing here is mocked."""

from __future__ import annotations

import html as htmllib
import http.server
import re
import subprocess
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from weasyprint.urls import URLFetcher

from dumas.workflow.documents import views as docviews
from dumas.workflow.documents.fetcher import DataOnlyFetcher
from dumas.workflow.documents.render import (
    DOCUMENT_KINDS,
    document_filename,
    html_to_pdf,
    render,
    render_html,
)
from dumas.workflow.documents.sample import (
    SAMPLE_PARAMS,
    advanced_sample_case,
    sample_case,
    sample_image,
)
from dumas.workflow.errors import DocumentError
from dumas.workflow.formatting import ukuran
from dumas.workflow.store.models import Attachment

A4_POINTS = (595.276, 841.89)
RIGHT_MARGIN_PT = 18 / 25.4 * 72


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=30).stdout


def pdf_file(tmp_path: Path, pdf: bytes, name: str = "doc.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def text_of(path: Path) -> str:
    """pdftotext -layout, whitespace folded, so table columns do not split what we look for."""
    return " ".join(run("pdftotext", "-layout", str(path), "-").split())


def pages_of(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(path)), re.M)[1])


@pytest.fixture(scope="module")
def sample():
    return sample_case()


@pytest.fixture(scope="module")
def ctx(sample):
    return sample.context()


@pytest.fixture(scope="module")
def advanced_ctx():
    return advanced_sample_case().context()


@pytest.fixture(scope="module")
def rendered(advanced_ctx, tmp_path_factory):
    """Every kind rendered once from the (advanced) sample case: kind -> (path, fetcher)."""
    out = {}
    folder = tmp_path_factory.mktemp("docs")
    for kind in DOCUMENT_KINDS:
        fetcher = DataOnlyFetcher()
        pdf = render(kind, advanced_ctx, SAMPLE_PARAMS.get(kind, {}), fetcher=fetcher)
        out[kind] = (pdf_file(folder, pdf, f"{kind}.pdf"), fetcher)
    return out


# --- every document -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_every_document_is_a4_numbered_and_names_the_case(rendered, kind):
    path, fetcher = rendered[kind]
    info = run("pdfinfo", str(path))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width, 1), round(height, 1)) == (round(A4_POINTS[0], 1), round(A4_POINTS[1], 1))
    pages = pages_of(path)
    text = text_of(path)
    for page in range(1, pages + 1):
        assert f"Halaman {page} dari {pages}" in text
    assert "001/PGD/XI/2026" in text
    assert fetcher.refused == []


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_fonts_are_dejavu_and_embedded(rendered, kind):
    rows = run("pdffonts", str(rendered[kind][0])).splitlines()[2:]
    assert rows, "no fonts at all"
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert "DejaVu" in name and emb == "yes", row


def test_long_lines_and_urls_wrap_inside_the_page(rendered, tmp_path):
    bbox = run("pdftotext", "-bbox", str(rendered["cetakan"][0]), "-")
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', bbox)]
    assert right_edges and max(right_edges) <= A4_POINTS[0] - RIGHT_MARGIN_PT + 1


def test_huge_unbroken_text_is_cut_and_made_breakable(tmp_path, monkeypatch):
    # A lower cut than the real 200,000 characters keeps this test fast; the logic is the same.
    monkeypatch.setattr(docviews, "MAX_PRINTED_CHARS", 30_000)
    # One 40 KB line: without break opportunities WeasyPrint needs several seconds for 20 KB of it.
    body = "Lampiran base64:\n" + "QUJD" * 10_000 + "\nAKHIR"
    case = sample_case(body=body)
    html = render_html("cetakan", case.context())
    assert "\u200b" in html and "AKHIR" not in html
    text = text_of(pdf_file(tmp_path, render("cetakan", case.context())))
    assert f"Teks dipotong setelah 30.000 dari {len(body):,} karakter".replace(",", ".") in text
    assert "QUJDQUJDQUJD" in text and "\u200b" not in text


def test_rendering_is_deterministic(ctx, monkeypatch):
    # The renders must not differ however far apart they run. Back to back they fell in the same
    # second unless the machine was busy, which hid the fontTools subsetter (WeasyPrint's fallback
    # without HarfBuzz-Subset) stamping the clock into every embedded font's `head` table.
    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    first = render("lembar_disposisi", ctx)
    monkeypatch.setattr(time, "time", lambda: 1_900_000_000.0)
    assert render("lembar_disposisi", ctx) == first


# --- the individual documents ---------------------------------------------------------------------


def test_cetakan_has_headers_full_text_and_attachment_list(rendered, sample):
    text = text_of(rendered["cetakan"][0])
    for expected in (
        "CETAKAN PENGADUAN MASYARAKAT",
        "Maria Sababalat",
        "Siberut Selatan",
        "TPS 003",
        "Senin, 16 November 2026 pukul 09.14 WIB",
        "Dari (From)",
        "Kepada (To)",
        "Tembusan (Cc)",
        "Tanggal (Date)",
        "Perihal (Subject)",
        "Message-ID",
        "<CAJ7x0Q8mentawai@mail.example>",
        "pengaduan@kpu-mentawai.example",
        "andreas.s@example.com",
        "café",
        "“dibantu”",
        "(Rabu, 11 November 2026) – sekitar",
        "feature=share",
        "Lampiran (3)",
        "SHA-256",
        "surat-pernyataan-saksi.pdf",
        "application/pdf",
    ):
        assert expected in text, expected
    for a in sample.attachments:
        assert a.filename in text and ukuran(a.size) in text
        # A hash may wrap inside its cell: look for it with the whitespace removed.
        assert a.sha256 in text.replace(" ", "")


def test_cetakan_keeps_line_breaks_of_the_complaint(rendered):
    lines = run("pdftotext", "-layout", str(rendered["cetakan"][0]), "-").splitlines()
    kronologi = [i for i, line in enumerate(lines) if line.strip() == "Kronologi:"]
    assert kronologi and lines[kronologi[0] + 1].strip().startswith("1. Ketua KPPS")


def test_cetakan_shows_photos_as_thumbnails_and_nothing_else(rendered, sample):
    images = run("pdfimages", "-list", str(rendered["cetakan"][0])).splitlines()[2:]
    photos = [a for a in sample.attachments if a.content_type.startswith("image/")]
    assert len(images) == len(photos) == 2
    for row in images:
        width, height = int(row.split()[3]), int(row.split()[4])
        assert max(width, height) <= 360  # thumbnails, not the 1600x1200 original


def test_unreadable_or_broken_images_are_listed_without_a_picture(sample, tmp_path):
    broken = Attachment(
        filename="rusak.jpg",
        content_type="image/jpeg",
        size=9,
        sha256="a" * 64,
        storage_key="att/aa/" + "a" * 64,
        step="pengaduan",
    )
    missing = Attachment(
        filename="hilang.png",
        content_type="image/png",
        size=9,
        sha256="b" * 64,
        storage_key="att/bb/" + "b" * 64,
        step="pengaduan",
    )
    files = dict(sample.files, **{broken.storage_key: b"not a jpeg"})
    case = replace(sample, attachments=[broken, missing], files=files)
    path = pdf_file(tmp_path, render("cetakan", case.context()))
    text = text_of(path)
    assert "rusak.jpg" in text and "hilang.png (berkas tidak dapat" in text
    assert run("pdfimages", "-list", str(path)).splitlines()[2:] == []


def test_tanda_terima_tells_the_reporter_what_happens_next(rendered):
    text = text_of(rendered["tanda_terima"][0])
    for expected in (
        "TANDA TERIMA PENGADUAN",
        "Maria Sababalat",
        "maria.sababalat@example.com",
        "Siberut Selatan",
        "foto-tps-003.jpg",
        "Disposisi oleh Sekretaris",
        "2 hari kerja",
        "7 hari kerja",
        "60 (enam puluh) hari",
        "STATUS",
        "Tanda terima ini dibuat secara otomatis oleh sistem dan tidak memerlukan tanda tangan",
    ):
        assert expected in text, expected
    assert "Kelengkapan" not in text  # nothing missing in the sample


def test_tanda_terima_lists_what_is_missing_and_honours_confidentiality(sample, tmp_path):
    case = sample_case()
    case.pengaduan.missing = ["lokasi", "bukti"]
    case.pengaduan.confidential = True
    text = text_of(pdf_file(tmp_path, render("tanda_terima", case.context())))
    assert "Kelengkapan yang Masih Diperlukan" in text
    assert "lokasi kejadian" in text and "bukti pendukung" in text
    assert "identitas pelapor dicatat sebagai rahasia" in text
    assert "Maria Sababalat" in text  # the receipt is for the reporter: their own name is fine


def test_tanda_terima_echoes_no_advertisement_to_the_senders_address(sample, tmp_path):
    """Issue 9 item 4: the receipt mailed to a forged From prints at most ECHO_LIMIT characters of
    the subject and a name without links (the case keeps both in full)."""
    case = sample_case()
    case.pengaduan.subject = "Hadiah Rp 10jt " + "klik sekarang juga " * 50
    case.pengaduan.pelapor_name = "Pemenang hadiah-kilat.example klik www.hadiah.example"
    text = " ".join(text_of(pdf_file(tmp_path, render("tanda_terima", case.context()))).split())
    assert "Hadiah Rp 10jt klik sekarang" in text and "Pemenang" in text
    assert text.count("klik sekarang juga") < 10
    assert "hadiah-kilat" not in text and "www.hadiah" not in text


def test_lembar_disposisi_blank_at_intake(ctx, tmp_path):
    text = text_of(pdf_file(tmp_path, render("lembar_disposisi", ctx)))
    for expected in (
        "KOMISI PEMILIHAN UMUM KABUPATEN KEPULAUAN MENTAWAI",
        "Jalan Raya Tuapejat Km. 4",
        "(0759) 000 1234",
        "pengaduan@kpu-mentawai.example",
        "https://kpu-mentawai.example",
        "LEMBAR DISPOSISI",
        "Surat dari",
        "Maria Sababalat",
        "Nomor surat",
        "Tanggal surat",
        "Diterima tanggal",
        "16 November 2026",
        "Perihal",
        "Isi disposisi",
        "Catatan",
        "Paraf",
        "☐ Biasa ☑ Segera ☐ Sangat Segera ☐ Rahasia",
        "Yohanes Saleleubaja",
    ):
        assert expected in text, expected
    for label in (
        "Sub Bagian Hukum",
        "Sub Bagian Teknis",
        "Sub Bagian Keuangan, Umum",
        "Sub Bagian Perencanaan, Data",
        "Sub Bagian SDM dan Partisipasi",
    ):
        assert f"☐ {label}" in text, label
    assert text.count("☑") == 1  # only the sifat


def test_lembar_disposisi_filled_after_disposisi(rendered):
    text = text_of(rendered["lembar_disposisi"][0])
    assert "☑ Sub Bagian Hukum" in text and "☐ Sub Bagian Teknis" in text
    assert "Mohon ditelaah dan dikoordinasikan" in text
    assert "17 November 2026" in text and "akan diterbitkan kembali" not in text


def test_lembar_disposisi_takes_the_subdivisions_from_a_parameter(advanced_ctx, tmp_path):
    params = {
        "filled": True,
        "subdivisions": [["hukum", "Subbag Hukum dan SDM"], ["teknis", "Subbag Teknis dan Hupmas"]],
    }
    text = text_of(pdf_file(tmp_path, render("lembar_disposisi", advanced_ctx, params)))
    assert "☑ Subbag Hukum dan SDM" in text and "☐ Subbag Teknis dan Hupmas" in text
    assert "Sub Bagian Keuangan" not in text


def test_surat_tugas(rendered):
    text = text_of(rendered["surat_tugas"][0])
    for expected in (
        "SURAT TUGAS",
        "Nomor: 012/PW.04-ST/1309/2026",
        "Dasar",
        "MEMBERI TUGAS",
        "Andi Sakerebau, S.H.",
        "Pangkat/Gol.",
        "Penata Tk. I (III/d)",
        "19870412 201001 1 003",
        "Kepala Sub Bagian Hukum",
        "Rina Samaloisa",
        "Petrus Sababalat",
        "Untuk",
        "Siberut Selatan",
        "7 (tujuh) hari kerja",
        "2 Desember 2026",
        "Yohanes Saleleubaja, S.H.",
        "NIP. 19800101 200604 1 001",
    ):
        assert expected in text, expected


def test_surat_tugas_takes_the_team_from_the_case_and_needs_one(sample, tmp_path):
    case = sample_case()
    case.pengaduan.tim = "Andi Sakerebau (andi@kpu.example); Rina Samaloisa"
    params = {"catatan": "Koordinasikan dengan PPK Siberut Selatan."}
    text = text_of(pdf_file(tmp_path, render("surat_tugas", case.context(), params)))
    assert "Andi Sakerebau" in text and "Rina Samaloisa" in text and "andi@" not in text
    assert "Catatan : Koordinasikan dengan PPK Siberut Selatan." in text
    with pytest.raises(DocumentError, match="team"):
        render("surat_tugas", sample.context())


def test_surat_tugas_prints_pangkat_of_the_team_from_pegawai(tmp_path):
    case = sample_case()
    case.pengaduan.tim = "Andi Sakerebau (andi@kpu.example); Rina Samaloisa"
    params = {
        "pegawai": {
            "andi@kpu.example": {"nama": "Andi Sakerebau, S.H.", "pangkat": "Penata (III/c)"}
        }
    }
    text = " ".join(
        text_of(pdf_file(tmp_path, render("surat_tugas", case.context(), params))).split()
    )
    assert "Andi Sakerebau, S.H. Pangkat/Gol. : Penata (III/c)" in text
    assert "Rina Samaloisa Pangkat/Gol. : -" in text  # not in [pegawai]: a dash


def test_surat_penerusan_redacts_the_reporter(rendered):
    text = text_of(rendered["surat_penerusan"][0])
    assert "Bawaslu Kabupaten Kepulauan Mentawai" in text and "Dirahasiakan" in text
    assert "Ketua KPPS meminta pemilih lansia" in text and "Siberut Selatan" in text
    # The Tata Naskah Dinas addressee block, the attachments counted in words, the full text.
    assert "Yth. Ketua Bawaslu Kabupaten Kepulauan Mentawai di Tuapejat" in " ".join(text.split())
    assert "Uraian pengaduan:" in text and "Ringkasan pengaduan" not in text
    assert re.search(r"Lampiran : \d+ \([a-z ]+\) berkas", " ".join(text.split()))
    for leak in ("Maria", "Sababalat", "0812", "6634", "maria.sababalat", "Dusun Puro"):
        assert leak not in text, leak


def test_surat_penerusan_names_the_reporter_who_consented(tmp_path):
    case = advanced_sample_case()
    case.pengaduan.consent_to_share = True
    params = SAMPLE_PARAMS["surat_penerusan"]
    text = text_of(pdf_file(tmp_path, render("surat_penerusan", case.context(), params)))
    assert "Maria Sababalat" in text and "Dirahasiakan" not in text
    case.pengaduan.confidential = True  # a confidential reporter stays hidden whatever else
    text = text_of(pdf_file(tmp_path, render("surat_penerusan", case.context(), params)))
    assert "Sababalat" not in text


def test_surat_penerusan_redacts_when_the_workflow_says_so(tmp_path):
    case = advanced_sample_case()
    case.pengaduan.consent_to_share = True
    params = dict(SAMPLE_PARAMS["surat_penerusan"], redact_identity=True)
    text = text_of(pdf_file(tmp_path, render("surat_penerusan", case.context(), params)))
    assert "Sababalat" not in text and "Dirahasiakan" in text


def test_surat_penerusan_without_attachments_says_so_with_a_dash(tmp_path):
    case = advanced_sample_case()
    case.attachments = []
    params = SAMPLE_PARAMS["surat_penerusan"]
    text = " ".join(
        text_of(pdf_file(tmp_path, render("surat_penerusan", case.context(), params))).split()
    )
    assert "Lampiran : - Hal" in text and "berkas" not in text.split("Hal")[0]


def test_surat_penerusan_approved_before_the_addressee_block_still_renders(tmp_path):
    case = advanced_sample_case()
    params = {"instansi": "Bawaslu Kabupaten Kepulauan Mentawai", "alamat": "Tuapejat"}
    text = " ".join(
        text_of(pdf_file(tmp_path, render("surat_penerusan", case.context(), params))).split()
    )
    assert "Yth. Bawaslu Kabupaten Kepulauan Mentawai di Tuapejat" in text


def test_surat_penerusan_needs_an_agency(ctx):
    with pytest.raises(DocumentError, match="instansi"):
        render("surat_penerusan", ctx)


def test_surat_hasil_tells_the_reporter_the_outcome(rendered, ctx):
    text = text_of(rendered["surat_hasil"][0])
    for expected in (
        "Pemberitahuan Hasil Penanganan Pengaduan",
        "Bapak/Ibu Maria Sababalat",
        "Nomor Registrasi 001/PGD/XI/2026",
        "diberi teguran tertulis",
        "14 Desember 2026",
        "Yohanes Saleleubaja, S.H.",
    ):
        assert expected in text, expected
    with pytest.raises(DocumentError, match="outcome"):
        render("surat_hasil", ctx)  # the fresh sample case has no outcome yet


def test_an_approved_letter_is_numbered_signed_and_archival(advanced_ctx, tmp_path):
    params = {
        "ringkasan": "Dugaan tidak terbukti.",
        "nomor": "007/PP.04-SD/1309/2026",
        "tanggal": "2026-12-14",
        "pengesahan": {
            "nama": "Dra. Rosita Sabebegen",
            "nip": "197001011990032001",
            "jabatan": "Sekretaris",
            "oleh": "Dra. Rosita Sabebegen (Sekretaris)",
            "pada": "Senin, 14 Desember 2026 pukul 10.00 WIB",
            "kode": "ABCDE23456",
        },
    }
    pdf = render("surat_hasil", advanced_ctx, params)
    path = tmp_path / "surat.pdf"
    path.write_bytes(pdf)
    meta = run("pdfinfo", "-meta", str(path))
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta  # PDF/A-3b
    text = " ".join(text_of(path).split())
    for expected in (
        "007/PP.04-SD/1309/2026",
        "Dra. Rosita Sabebegen",
        "NIP. 197001011990032001",
        "Disetujui melalui surel oleh Dra. Rosita Sabebegen (Sekretaris) pada Senin, 14 "
        "Desember 2026 pukul 10.00 WIB",
        "Kode verifikasi: ABCDE23456",
    ):
        assert expected in text, expected


def test_surat_pemberitahuan_tells_the_reporter_why_the_case_closed(rendered, ctx, tmp_path):
    text = " ".join(text_of(rendered["surat_pemberitahuan"][0]).split())
    for expected in (
        "Pemberitahuan Pengaduan Tidak Dapat Ditindaklanjuti",
        "Bapak/Ibu Maria Sababalat",
        "Nomor Registrasi 001/PGD/XI/2026",
        "Identitas terlapor dan lokasi kejadian tidak jelas.",
        "161/PY.01-SD/1309/2026",
    ):
        assert expected in text, expected
    # the automatic closure: the SOP's clock, not a person, decided; the Sekretaris' block signs
    params = {
        "jenis": "tidak_dilengkapi",
        "apa": "Mohon lampirkan fotokopi KTP.",
        "diminta_tanggal": "Senin, 2 November 2026",
        "batas_hari": "10 hari kerja",
        "nomor": "008/PP.04-SD/1309/2026",
        "tanggal": "2026-11-16",
        "pengesahan": {
            "nama": "Dra. Rosita Sabebegen",
            "nip": "197001011990032001",
            "jabatan": "Sekretaris",
            "oleh": "sistem",
            "pada": "Senin, 16 November 2026 pukul 09.00 WIB",
            "kode": "ABCDE23456",
            "cara": "otomatis",
        },
    }
    path = tmp_path / "surat.pdf"
    path.write_bytes(render("surat_pemberitahuan", ctx, params))
    assert 'pdfaid:part="3"' in run("pdfinfo", "-meta", str(path))  # a letter: PDF/A-3b
    text = " ".join(text_of(path).split())
    for expected in (
        "Pemberitahuan Penutupan Pengaduan karena Tidak Dilengkapi",
        "Mohon lampirkan fotokopi KTP.",
        "Senin, 2 November 2026",
        "10 hari kerja",
        "Dra. Rosita Sabebegen",
        "Ditetapkan otomatis oleh sistem pada Senin, 16 November 2026 pukul 09.00 WIB sesuai "
        "Standar Operasional Prosedur",
        "Kode verifikasi: ABCDE23456",
    ):
        assert expected in text, expected
    assert "Disetujui" not in text
    params["pengesahan"] = {**params["pengesahan"], "cara": "ditetapkan", "oleh": "Desk"}
    params["jenis"], params["alasan"] = "bukan_pengaduan", "Penawaran barang."
    path.write_bytes(render("surat_pemberitahuan", ctx, params))
    text = " ".join(text_of(path).split())
    assert "Pemberitahuan Pesan Bukan Pengaduan" in text and "Penawaran barang." in text
    assert "Ditetapkan melalui surel oleh Desk pada" in text


def test_riwayat_lists_the_events(rendered):
    text = text_of(rendered["riwayat"][0])
    assert "RIWAYAT PENANGANAN PENGADUAN" in text and "Catatan Peristiwa (5)" in text
    assert "16-11-2026 09.14" in text and "desk@kpu-mentawai.example" in text
    assert "LENGKAP — diteruskan kepada Sekretaris." in text


def test_unknown_kind_is_a_document_error(ctx):
    with pytest.raises(DocumentError, match="unknown document kind"):
        render("kwitansi", ctx)


def test_document_filename():
    assert (
        document_filename("lembar_disposisi", "001/PGD/XI/2026")
        == "lembar-disposisi-001-PGD-XI-2026.pdf"
    )
    assert (
        document_filename("cetakan", "001/PGD/XI/2026", version=2)
        == "cetakan-pengaduan-001-PGD-XI-2026-v2.pdf"
    )
    assert document_filename("tanda_terima", None, case_id=7) == "tanda-terima-kasus-7.pdf"
    assert document_filename("riwayat", "../../etc/passwd") == "riwayat-etc-passwd.pdf"


# --- hostile content ------------------------------------------------------------------------------

HOSTILE = (
    '<img src="http://127.0.0.1:{port}/x.png"> <script>alert(1)</script> '
    '<a href="file:///etc/passwd">passwd</a> <link rel="stylesheet" '
    'href="http://127.0.0.1:{port}/s.css"> <style>@import url(http://127.0.0.1:{port}/i.css);'
    '</style> <div style="background: url(http://127.0.0.1:{port}/bg.png)">css</div> '
    '<object data="file:///etc/passwd"></object> <svg><image href="http://127.0.0.1:{port}/'
    'svg.png"/></svg>'
)


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server API
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def trap():
    """A loopback HTTP server that counts every request: a fetch would show up here."""
    handler = type("Handler", (_CountingHandler,), {"hits": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler.hits
    server.shutdown()
    server.server_close()


def test_fetcher_refuses_everything_but_data_uris(trap):
    port, hits = trap
    markup = (
        f"<html><body>{HOSTILE.format(port=port)}<img src='relative.png'>"
        f"<img src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAA"
        f"C0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='></body></html>"
    )
    # Control: WeasyPrint's default fetcher does reach the trap, so the trap can see a fetch.
    from weasyprint import HTML

    HTML(string=markup, url_fetcher=URLFetcher(timeout=5)).write_pdf()
    assert hits, "the control render fetched nothing: the trap does not work"
    hits.clear()

    fetcher = DataOnlyFetcher()
    html_to_pdf(markup, fetcher)
    assert hits == []
    assert fetcher.served == 1
    refused = " ".join(fetcher.refused)
    for path in ("/x.png", "/s.css", "/i.css", "/bg.png", "/svg.png"):
        assert f"http://127.0.0.1:{port}{path}" in refused, path
    assert "file:///etc/passwd" in refused


def test_hostile_complaint_renders_as_text_and_fetches_nothing(trap, tmp_path):
    port, hits = trap
    hostile = HOSTILE.format(port=port)
    case = sample_case(body=f"Isi pengaduan.\n{hostile}\nSelesai.", subject=f"Perihal {hostile}")
    p = case.pengaduan
    p.pelapor_name, p.terlapor, p.tim = f"Nama {hostile}", f"Terlapor {hostile}", f"Tim {hostile}"
    p.forwarded_to, p.disposisi_to, p.disposisi_note = "Bawaslu", "hukum", f"Catatan {hostile}"
    p.outcome = f"Hasil {hostile}"
    case.attachments[2].filename = f'x.pdf"><img src="http://127.0.0.1:{port}/f.png">'
    ctx = case.context()
    for kind in DOCUMENT_KINDS:
        html = render_html(kind, ctx)
        for tag in ("<script", "<a ", "<link", "<object", "<svg", "<image"):
            assert tag not in html, (kind, tag)
        styles = re.findall(r"<style>(.*?)</style>", html, re.S)
        assert len(styles) == 1 and "@import" not in styles[0] and "127.0.0.1" not in styles[0]
        assert all(src.startswith("data:") for src in re.findall(r'<img[^>]*src="([^"]*)"', html))
        fetcher = DataOnlyFetcher()
        path = pdf_file(tmp_path, render(kind, ctx, fetcher=fetcher), f"{kind}.pdf")
        assert fetcher.refused == [], kind
        if kind == "cetakan":
            text = text_of(path).replace(" ", "")
            assert htmllib.unescape("&lt;script&gt;alert(1)&lt;/script&gt;") in text
            assert 'href="file:///etc/passwd"' in text
            assert f'style="background:url(http://127.0.0.1:{port}/bg.png)"' in text
    assert hits == []


# --- thumbnails -----------------------------------------------------------------------------------


def test_thumbnails_are_upright_bounded_and_refuse_bombs():
    from io import BytesIO

    from PIL import Image

    from dumas.workflow.documents.thumbnails import make_thumbnail

    img = Image.new("RGB", (400, 200), "red")
    exif = img.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": phones write this for portrait shots
    buf = BytesIO()
    img.save(buf, "JPEG", exif=exif)
    thumb = Image.open(BytesIO(make_thumbnail(buf.getvalue())))
    assert thumb.format == "JPEG" and thumb.width < thumb.height and max(thumb.size) <= 360

    bomb = BytesIO()
    # 64 megapixels in a few KB: above our limit, below Pillow's own bomb warning.
    Image.new("1", (8_000, 8_000)).save(bomb, "PNG")
    assert make_thumbnail(bomb.getvalue()) == b""
    assert make_thumbnail(b"GIF89a garbage") == b""
    assert make_thumbnail(sample_image("PNG", (50, 40), "#123"))  # small images still work
