"""Attachment filenames chosen by a sender become safe, readable, bounded names."""

from __future__ import annotations

import unicodedata

import pytest

from dumas.ingest.mail.filenames import (
    MAX_BYTES,
    MAX_CHARS,
    UniqueNames,
    extension_for,
    name_from_subject,
    safe_filename,
)

from .test_corpus_parse import is_safe_filename


def safe(name: str, content_type: str = "application/pdf") -> str:
    return safe_filename(name, index=4, content_type=content_type)


@pytest.mark.parametrize(
    "hostile, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\Windows\\x.exe", "x.exe"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("laporan/", "laporan"),
        ("bukti\x00.jpg.exe", "bukti.jpg.exe"),
        ("surat\r\nbaru\t.pdf", "surat baru.pdf"),
        ("bel\x07\x1b[31m.txt", "bel[31m.txt"),
        ("foto\u202egpj.exe", "fotogpj.exe"),  # a right-to-left override would show "fotoexe.jpg"
        ("zero\u200bwidth.doc", "zerowidth.doc"),
        (".htaccess", "htaccess"),
        ("...bashrc", "bashrc"),
        ("CON.txt", "_CON.txt"),
        ("lpt1", "_lpt1"),
        ('what?*<>|":.pdf', "what_______.pdf"),
        ("  spasi   ganda  .pdf  ", "spasi ganda.pdf"),
        ("titik akhir...", "titik akhir"),
    ],
)
def test_hostile_names(hostile, expected):
    assert safe(hostile) == expected
    assert is_safe_filename(safe(hostile))


@pytest.mark.parametrize(
    "empty", ["", "   ", ".", "..", "../..", "/", "\\\\", "\x00\x01", "\u202e"]
)
def test_nothing_usable_falls_back_to_lampiran_n(empty):
    assert safe(empty) == "lampiran-4.pdf"
    assert safe_filename(empty, index=2, content_type="image/jpeg") == "lampiran-2.jpg"
    assert safe_filename(empty, index=1, content_type="x-unknown/x-thing") == "lampiran-1.bin"


def test_long_names_are_cut_keeping_the_extension():
    name = safe("a" * 5000 + ".docx")
    assert name.endswith(".docx") and len(name) == MAX_CHARS
    wide = safe("é" * 300 + ".pdf")  # two bytes each in UTF-8
    assert wide.endswith(".pdf") and len(wide.encode("utf-8")) <= MAX_BYTES
    assert is_safe_filename(name) and is_safe_filename(wide)


def test_unicode_is_kept_and_normalized_to_nfc():
    decomposed = "Bukti Desa Muara Sibe\u0301rut.pdf"
    result = safe(decomposed)
    assert result == unicodedata.normalize("NFC", decomposed)
    assert safe("Laporan 報告.pdf") == "Laporan 報告.pdf"


def test_extension_for_common_types():
    assert extension_for("application/pdf") == ".pdf"
    assert extension_for("MESSAGE/RFC822") == ".eml"
    assert extension_for("application/ms-tnef") == ".dat"
    assert extension_for("application/x-no-such-type") == ".bin"


def test_forwarded_message_names():
    assert name_from_subject("Fwd: Laporan 1/2 TPS 03") == "Fwd Laporan 1-2 TPS 03.eml"
    assert name_from_subject("") == "pesan-terusan.eml"
    assert name_from_subject("\x01\u202e ") == "pesan-terusan.eml"
    long = name_from_subject("x" * 400)
    assert long.endswith(".eml") and len(long) <= MAX_CHARS


def test_unique_names():
    names = UniqueNames()
    wanted = ("foto.jpg", "FOTO.jpg", "foto.jpg", "surat", "foto (2).jpg")
    claimed = [names.claim(n) for n in wanted]
    assert claimed == ["foto.jpg", "FOTO (2).jpg", "foto (3).jpg", "surat", "foto (2) (2).jpg"]
    long = "y" * (MAX_CHARS - 4) + ".pdf"
    first, second = names.claim(long), names.claim(long)
    assert first == long and second.endswith(" (2).pdf") and len(second) <= MAX_CHARS


def test_unique_names_stay_fast_for_thousands_of_duplicates():
    names = UniqueNames()
    claimed = [names.claim("a.txt") for _ in range(5000)]
    assert len(set(claimed)) == 5000 and claimed[-1] == "a (5000).txt"
