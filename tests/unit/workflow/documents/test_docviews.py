"""The pure parts of the documents: Indonesian formatting, redaction, and building the views."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.documents.params import disposisi, penerusan, surat_tugas
from dumas.workflow.documents.sample import sample_case
from dumas.workflow.documents.views import LokasiView
from dumas.workflow.extract.redaction import redact
from dumas.workflow.formatting import (
    clean_text,
    hari_tanggal,
    jam,
    ringkas,
    tanggal,
    terbilang,
    ukuran,
    waktu,
)

WIB = ZoneInfo("Asia/Jakarta")


def test_indonesian_dates_and_times():
    at = datetime(2026, 8, 17, 1, 5, tzinfo=UTC).astimezone(WIB)
    assert tanggal(at) == "17 Agustus 2026"
    assert hari_tanggal(date(2026, 8, 17)) == "Senin, 17 Agustus 2026"
    assert jam(at) == "08.05 WIB"
    assert waktu(at) == "Senin, 17 Agustus 2026 pukul 08.05 WIB"
    assert jam(datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Makassar"))) == "00.00 WITA"
    assert tanggal(None) == waktu(None) == ""


@pytest.mark.parametrize(
    "size, text",
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1 KB"),
        (1536, "1,5 KB"),
        (5 * 1024**2, "5 MB"),
        (int(2.25 * 1024**3), "2,2 GB"),
    ],
)
def test_sizes_use_a_decimal_comma(size, text):
    assert ukuran(size) == text


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "nol"),
        (7, "tujuh"),
        (11, "sebelas"),
        (14, "empat belas"),
        (60, "enam puluh"),
        (75, "tujuh puluh lima"),
        (100, "seratus"),
        (312, "tiga ratus dua belas"),
    ],
)
def test_terbilang(n, words):
    assert terbilang(n) == words


def test_clean_text_drops_controls_and_bidi_overrides_but_keeps_lines():
    assert clean_text("a\r\nb\x00c\u202etxt.exe\x1b[31m\tz") == "a\nbctxt.exe[31m\tz"
    assert clean_text("Cafe\u0301") == "Café"  # NFC: one code point, one glyph


def test_ringkas_cuts_at_a_word():
    assert ringkas("satu dua tiga empat", 12) == "satu dua …"
    assert ringkas("pendek", 12) == "pendek"


def test_redact_removes_identity_in_every_usual_form():
    text = (
        "Nama : Maria Sababalat\nNo. HP/WA : 0812-6634-1290\nNIK: 1301014507850002\n"
        "Hubungi +62 812 6634 1290 atau maria.s@example.com.\n"
        "Kejadian di TPS 003 Desa Muara Siberut.\nHormat saya, Maria"
    )
    out = redact(text, "Maria Sababalat", ("maria.s@example.com", "Dusun Puro, Desa Muara Siberut"))
    for leak in ("Maria", "Sababalat", "0812", "6634", "1301014507850002", "maria.s"):
        assert leak not in out, leak
    assert "TPS 003 Desa Muara Siberut" in out  # the place of the complaint stays readable
    assert out.count("[dirahasiakan]") >= 6


def test_lokasi_summary():
    assert (
        LokasiView("Siberut Selatan", "Muara Siberut", "003").ringkas
        == "TPS 003, Desa Muara Siberut, Kecamatan Siberut Selatan"
    )
    assert LokasiView(desa="Kelurahan X").ringkas == "Kelurahan X"
    assert LokasiView(text="depan kantor camat").ringkas == "depan kantor camat"
    assert LokasiView().ringkas == ""


def test_view_of_reads_headers_from_the_stored_message():
    case = sample_case(subject="Laporan “KPPS” – café")
    headers = dict(case.context().case.headers)
    assert headers["Perihal (Subject)"] == "Laporan “KPPS” – café"  # RFC 2047 decoded
    assert "andreas.s@example.com" in headers["Tembusan (Cc)"]
    assert headers["Message-ID"] == "<CAJ7x0Q8mentawai@mail.example>"


def test_view_of_falls_back_to_the_summary_when_the_raw_message_is_gone():
    case = sample_case()
    case.files.pop(case.raw.storage_key)
    headers = dict(case.context().case.headers)
    assert headers["Dari (From)"] == "maria.sababalat@example.com"
    assert headers["Kepada (To)"] == "—"
    assert headers["Tanggal (Date)"] == "16-11-2026 09.14 WIB"


def test_view_of_without_raw_message_has_no_headers_and_shows_times_in_the_office_zone():
    case = sample_case()
    case.raw = None
    ctx = case.context()
    assert ctx.case.headers == ()
    assert ctx.case.received_at.utcoffset().total_seconds() == 7 * 3600
    assert ctx.office.zone == "WIB"


def test_disposisi_ticks_the_chosen_subdivision_by_key_or_label():
    case = sample_case()
    for written in ("hukum", "Sub Bagian Hukum", "HUKUM", "sub bagian hukum"):
        case.pengaduan.disposisi_to = written
        view = disposisi(case.context(), {})
        assert [c.key for c in view.kepada if c.chosen] == ["hukum"], written
    assert not any(c.chosen for c in disposisi(case.context(), {"filled": False}).kepada)


def test_penerusan_and_surat_tugas_defaults():
    case = sample_case()
    case.pengaduan.forwarded_to = "DKPP"
    view = penerusan(case.context(), {})
    assert view.instansi == "DKPP" and view.pelapor is None and view.pelapor_text == "Dirahasiakan"
    assert all("Sababalat" not in line for line in (view.ringkasan, view.perihal, *view.lampiran))
    case.pengaduan.tim = "Andi, Rina ,  Petrus"
    st = surat_tugas(case.context(), {"hari_kerja": 5})
    assert [a.nama for a in st.anggota] == ["Andi", "Rina", "Petrus"]
    assert any("5 (lima) hari kerja" in u for u in st.untuk)
