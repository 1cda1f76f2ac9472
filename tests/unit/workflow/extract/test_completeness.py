"""The completeness check (identitas, lokasi, bukti) and what the acknowledgement asks for."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dumas.config.settings import KECAMATAN_MENTAWAI
from dumas.workflow.extract import Pelapor, extract_lokasi, extract_pelapor
from dumas.workflow.extract.completeness import (
    BUKTI,
    IDENTITAS,
    LOKASI,
    check_completeness,
    check_extracted,
    check_pengaduan,
    evidence_links,
    missing_phrases,
)
from dumas.workflow.store.models import Attachment, Pengaduan

COMPLETE_TEXT = """Nama: Budi Santoso
No. HP: 0812-6612-3456
Di TPS 03 Desa Muntei ada pembagian uang. Foto terlampir."""

BARE_TEXT = "Pak, di tempat kami ada yang bagi-bagi uang. Tolong ditindak."


def test_complete_complaint_misses_nothing():
    p = extract_pelapor(COMPLETE_TEXT, "Budi", "budi@example.id")
    lok = extract_lokasi(COMPLETE_TEXT, KECAMATAN_MENTAWAI)
    assert check_extracted(p, lok, attachments=1, text=COMPLETE_TEXT) == []


def test_bare_complaint_misses_everything_in_order():
    p = extract_pelapor(BARE_TEXT, "", "warga123@example.id")
    lok = extract_lokasi(BARE_TEXT, KECAMATAN_MENTAWAI)
    assert check_extracted(p, lok, attachments=0, text=BARE_TEXT) == [IDENTITAS, LOKASI, BUKTI]


@pytest.mark.parametrize(
    "fields,identity_ok",
    [
        (dict(name="Budi"), False),  # a display name and the email are not enough
        (dict(name="Budi", phone="+6281266123456"), True),
        (dict(name="Budi", address="Desa Sioban"), True),
        (dict(name="Budi", nik="1309081208900002"), True),
        (dict(phone="+6281266123456", address="Desa Sioban"), False),  # no name
        (dict(name="   ", phone="+6281266123456"), False),
    ],
)
def test_identity_needs_a_name_and_a_way_to_reach(fields, identity_ok):
    missing = check_completeness(**fields, kecamatan="Sikakap", attachments=1)
    assert (IDENTITAS not in missing) is identity_ok


@pytest.mark.parametrize(
    "fields",
    [
        dict(tps="003"),
        dict(desa="Muntei"),
        dict(kecamatan="Sikakap"),
        dict(lokasi_text="Pasar Sikakap"),
    ],
)
def test_any_location_detail_is_enough(fields):
    assert LOKASI not in check_completeness(
        name="A", phone="+6281266123456", attachments=1, **fields
    )


def test_evidence_is_an_attachment_or_a_link_to_a_media_host():
    base = dict(name="A", phone="+6281266123456", tps="001")
    assert check_completeness(**base) == [BUKTI]
    assert check_completeness(**base, attachments=2) == []
    assert check_completeness(**base, text="Video: https://drive.google.com/file/d/abc/view") == []
    assert check_completeness(**base, text="lihat https://youtu.be/xyz123") == []
    # A long story is not evidence, nor is a link to some other site.
    assert check_completeness(**base, text="Kronologi panjang. " * 200) == [BUKTI]
    assert check_completeness(**base, text="https://kpu.example.go.id/berita") == [BUKTI]


def test_evidence_links():
    text = (
        "foto: https://photos.app.goo.gl/AbC, video https://m.facebook.com/watch?v=1 "
        "dan https://notdrive.google.com.evil.example/x serta http://example.com"
    )
    assert evidence_links(text) == [
        "https://photos.app.goo.gl/AbC",
        "https://m.facebook.com/watch?v=1",
    ]


def _case(**kw) -> Pengaduan:
    return Pengaduan(
        **{
            "pelapor_name": "",
            "pelapor_phone": "",
            "pelapor_address": "",
            "pelapor_nik": "",
            "tps": "",
            "desa": "",
            "kecamatan": "",
            "lokasi_text": "",
            "body": "",
            **kw,
        }
    )


def test_check_on_a_pengaduan_row_counts_only_the_reporters_evidence():
    case = _case(pelapor_name="Budi", pelapor_phone="+6281266123456", desa="Muntei")
    assert check_pengaduan(case) == [BUKTI]
    case.attachments.append(Attachment(filename="telaah.pdf", step="telaah"))
    assert check_pengaduan(case) == [BUKTI]
    case.attachments.append(Attachment(filename="foto.jpg"))  # step defaults to "pengaduan"
    assert check_pengaduan(case) == []


def test_check_on_a_pengaduan_like_object():
    like = SimpleNamespace(
        pelapor_name="Budi",
        pelapor_phone="",
        pelapor_address="",
        pelapor_nik="",
        tps="",
        desa="",
        kecamatan="",
        lokasi_text="",
        body="",
        attachments=[],
    )
    assert check_pengaduan(like) == [IDENTITAS, LOKASI, BUKTI]


def test_missing_phrases_are_indonesian_and_specific():
    phrases = missing_phrases([IDENTITAS, LOKASI, BUKTI])
    assert len(phrases) == 3
    assert "nama lengkap" in phrases[0] and "HP/WhatsApp" in phrases[0] and "alamat" in phrases[0]
    assert "rahasiakan" in phrases[0]
    assert "TPS" in phrases[1] and "desa/kelurahan" in phrases[1] and "kecamatan" in phrases[1]
    assert "foto" in phrases[2] and "lampiran" in phrases[2]
    assert missing_phrases([]) == []


def test_identity_phrase_asks_only_for_what_is_lacking():
    named = Pelapor(name="Budi", email="budi@example.id")
    contact_only = Pelapor(phone="+6281266123456")
    ask_contact = missing_phrases([IDENTITAS], named)[0]
    ask_name = missing_phrases([IDENTITAS], contact_only)[0]
    assert "HP/WhatsApp" in ask_contact and "nama lengkap" not in ask_contact
    assert "nama lengkap" in ask_name and "HP/WhatsApp" not in ask_name


def test_unknown_item_is_a_programming_error():
    with pytest.raises(ValueError):
        missing_phrases(["foto"])
