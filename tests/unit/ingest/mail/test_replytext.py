"""reply_text / first_lines on replies written the way real mail clients write them.

The samples under samples/replies/ are bodies as the parser hands them over (decoded text, or
the client's HTML, sanitized here with nh3 the way the parser does); outlook_desktop_id.eml is a
whole quoted-printable, CRLF message decoded with the standard library.
"""

from __future__ import annotations

import email
import time
from email import policy
from pathlib import Path

import nh3
import pytest

from dumas.ingest.mail import replytext
from dumas.ingest.mail.htmltext import sanitize_html
from dumas.ingest.mail.replytext import first_lines, reply_text
from dumas.workflow.sop.commands.grammar import REPLY_MARKER

SAMPLES = Path(__file__).parent / "samples" / "replies"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def sanitized(html: str, how: str) -> str:
    if how == "structure":  # exactly what the parser hands over (it keeps the quote markers)
        return sanitize_html(html)
    if how == "nh3-defaults":
        return nh3.clean(html)
    return html  # "raw": as the client wrote it


def eml_bodies(name: str) -> tuple[str, str]:
    message = email.message_from_bytes((SAMPLES / name).read_bytes(), policy=policy.default)
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


DISPOSISI = "DISPOSISI HUKUM mohon ditelaah segera"
TOLAK_TB = "TOLAK\nKesimpulan laporan belum didukung bukti; mohon lengkapi keterangan saksi."

TEXT_CASES = [
    pytest.param("gmail_web_id.txt", DISPOSISI, [DISPOSISI], id="gmail-web-id"),
    pytest.param(
        "gmail_android_en.txt",
        "APPROVE, the Surat Tugas can go out today.",
        ["APPROVE, the Surat Tugas can go out today."],
        id="gmail-android-en",
    ),
    pytest.param(
        "gmail_android_id.txt",
        "LENGKAPI\n- fotokopi KTP pelapor\n- kronologi kejadian (tanggal dan tempat)",
        ["LENGKAPI", "- fotokopi KTP pelapor", "- kronologi kejadian (tanggal dan tempat)"],
        id="gmail-android-id-list",
    ),
    pytest.param("gmail_forward_id.txt", "STATUS", ["STATUS"], id="gmail-forward-id"),
    pytest.param("iphone_id.txt", "SETUJU", ["SETUJU"], id="iphone-id"),
    pytest.param(
        "yahoo_id.txt",
        "LENGKAPI fotokopi KTP pelapor dan surat kuasa",
        ["LENGKAPI fotokopi KTP pelapor dan surat kuasa"],
        id="yahoo-android-id",
    ),
    pytest.param(
        "thunderbird_bottom.txt", TOLAK_TB, TOLAK_TB.split("\n"), id="thunderbird-bottom-posted"
    ),
    pytest.param(
        "greeting_second_line.txt", "Yth. Admin,\n\nSETUJU", ["SETUJU"], id="greeting-then-command"
    ),
    pytest.param(
        "quoted_other_command.txt",
        "TOLAK laporan belum memuat kronologi dan daftar saksi",
        ["TOLAK laporan belum memuat kronologi dan daftar saksi"],
        id="outlook-original-message-quoting-setuju",
    ),
    pytest.param("only_quoted_gmail.txt", "", [], id="only-quoted"),
    pytest.param(
        "interleaved.txt",
        "DISPOSISI HUKUM\n\nmohon ditelaah segera",
        ["DISPOSISI HUKUM", "mohon ditelaah segera"],
        id="interleaved",
    ),
    pytest.param(
        "zimbra_id.txt",
        "BUKAN PENGADUAN surat promosi, bukan pengaduan masyarakat",
        ["BUKAN PENGADUAN surat promosi, bukan pengaduan masyarakat"],
        id="zimbra-pesan-asli",
    ),
    pytest.param(
        "outlook_id_tanggal.txt",
        "KONFLIK SEKRETARIS\nTerlapor adalah Sekretaris; mohon diputus oleh Ketua.",
        ["KONFLIK SEKRETARIS", "Terlapor adalah Sekretaris; mohon diputus oleh Ketua."],
        id="outlook-dari-tanggal-ke-perihal",
    ),
]


@pytest.mark.parametrize("name, reply, lines", TEXT_CASES)
def test_text_replies(name: str, reply: str, lines: list[str]) -> None:
    got = reply_text(sample(name))
    assert got == reply
    assert first_lines(got) == lines


@pytest.mark.parametrize("name, reply, lines", TEXT_CASES)
def test_crlf_and_non_breaking_spaces_change_nothing(
    name: str, reply: str, lines: list[str]
) -> None:
    mangled = sample(name).replace("\n", "\r\n").replace(" ", "\u00a0")
    got = reply_text(mangled)
    assert got == reply
    assert first_lines(got) == lines


HTML_CASES = [
    pytest.param(
        "gmail_web_id.html",
        DISPOSISI + "\n\nKasus ini terkait netralitas PPK Siberut Selatan, mohon diprioritaskan.",
        id="gmail-web-id",
    ),
    pytest.param("iphone_id.html", "SETUJU", id="iphone-id"),
    pytest.param(
        "yahoo_id.html", "LENGKAPI fotokopi KTP pelapor dan surat kuasa", id="yahoo-android-id"
    ),
    pytest.param("thunderbird_bottom.html", TOLAK_TB, id="thunderbird-bottom-posted"),
    pytest.param("only_quoted_gmail.html", "", id="only-quoted"),
    pytest.param(
        "outlook_mobile_id.html",
        "BERKADAR PENGAWASAN\nLaporan Hasil Telaah terlampir.",
        id="outlook-android-id",
    ),
    pytest.param(
        "outlook_web_x.html",
        "TERUSKAN BAWASLU\nDugaan pelanggaran administrasi pemilu oleh PPS Muara Siberut.",
        id="outlook-web-x-prefixed",
    ),
]


@pytest.mark.parametrize("how", ["structure", "raw"])
@pytest.mark.parametrize("name, reply", HTML_CASES)
def test_html_only_replies(name: str, reply: str, how: str) -> None:
    assert reply_text("", sanitized(sample(name), how)) == reply


@pytest.mark.parametrize(
    "name, reply", [case for case in HTML_CASES if case.id != "outlook-web-x-prefixed"]
)
def test_html_replies_survive_nh3_defaults(name: str, reply: str) -> None:
    # Without class/id the text rules (headers, footers, "-- ") still find the quote.
    assert reply_text("", sanitized(sample(name), "nh3-defaults")) == reply


def test_outlook_signature_is_only_found_by_its_id() -> None:
    html = sample("outlook_web_x.html")
    with_ids = reply_text("", sanitized(html, "structure"))
    without_ids = reply_text("", sanitized(html, "nh3-defaults"))
    assert "Rina Saogo" not in with_ids
    assert without_ids == with_ids + "\n\nRina Saogo\nKepala Sub Bagian Hukum dan SDM"


def test_gmail_html_and_text_parts_agree_on_the_command() -> None:
    text = sample("gmail_web_id.txt")
    html = sanitized(sample("gmail_web_id.html"), "structure")
    assert first_lines(reply_text(text, html), 1) == first_lines(reply_text(text), 1) == [DISPOSISI]


OUTLOOK_DESKTOP = (
    "Laporan Hasil Telaah terlampir; dugaan pelanggaran kode etik oleh anggota PPK Sipora Utara."
)


def test_outlook_desktop_quoted_printable_text_part() -> None:
    text, _ = eml_bodies("outlook_desktop_id.eml")
    got = reply_text(text)
    assert got == "BERKADAR PENGAWASAN\n\n" + OUTLOOK_DESKTOP
    assert first_lines(got) == ["BERKADAR PENGAWASAN", OUTLOOK_DESKTOP]


@pytest.mark.parametrize("how", ["structure", "nh3-defaults"])
def test_outlook_desktop_quoted_printable_html_part(how: str) -> None:
    # Outlook desktop marks its header block only with inline style: the text rules cut it.
    text, html = eml_bodies("outlook_desktop_id.eml")
    assert reply_text(text, sanitized(html, how)) == "BERKADAR PENGAWASAN\n" + OUTLOOK_DESKTOP


@pytest.mark.parametrize(
    "html",
    [
        '<div>SETUJU</div><div class="yahoo_quoted"><div>Le lundi 3 novembre 2026, Meja a écrit :'
        "</div><div>LENGKAP</div></div>",
        '<div>SETUJU</div><div id="x_divRplyFwdMsg"><b>Daripada:</b> Meja<br><b>Dihantar:</b> Isnin'
        "</div><div>LENGKAP</div>",
        '<div>SETUJU</div><div class="x_x_gmail_quote">Il giorno lun 3 nov 2026 Meja ha scritto:'
        "<div>LENGKAP</div></div>",
        '<div>SETUJU</div><hr id="stopSpelling">Date: Mon<br>LENGKAP',
        '<div>SETUJU</div><div id="appendonsend"></div><div>Daripada: Meja</div><div>LENGKAP</div>',
        '<div>SETUJU<div class="gmail_signature">Budi Santoso<br>Sub Bagian Hukum</div></div>',
        '<div>SETUJU</div><div id="x_Signature"><p>Rina Saogo</p></div>',
    ],
    ids=[
        "yahoo-quoted",
        "x-divRplyFwdMsg",
        "x-x-gmail-quote",
        "stopSpelling",
        "appendonsend",
        "gmail-signature",
        "outlook-signature",
    ],
)
def test_structure_cuts_quotes_no_text_rule_knows(html: str) -> None:
    assert reply_text("LENGKAP", html) == "SETUJU"


def test_unquoted_marker_ends_the_reply() -> None:
    text = f"LENGKAP\n\n{REPLY_MARKER}\n\nBalas SETUJU untuk menyetujui.\n"
    assert reply_text(text) == "LENGKAP"
    assert reply_text("", f"<p>LENGKAP</p><p>{REPLY_MARKER}</p><p>SETUJU</p>") == "LENGKAP"
    assert reply_text(f"{REPLY_MARKER}\nSETUJU") == ""


def test_quoted_marker_does_not_hide_a_bottom_post() -> None:
    text = f"> {REPLY_MARKER}\n> Balas SETUJU atau TOLAK <catatan>.\n\nSETUJU\n"
    assert reply_text(text) == "SETUJU"


def test_outlook_text_without_quote_prefix_is_never_read_as_reply() -> None:
    text = (
        "\nDari: Meja <pengaduan+a@kpu-mentawai.go.id>\nDikirim: Senin, 3 November 2026 10.15"
        "\nKepada: Desk <desk@kpu-mentawai.go.id>\nSubjek: Verifikasi\n\nLENGKAP\n"
        "> kutipan pengaduan\nSETUJU\n"
    )
    assert reply_text(text) == ""


def test_head_and_title_are_not_read() -> None:
    html = "<html><head><title>Re: Disposisi</title><style>p{}</style></head><body>SETUJU</body>"
    assert reply_text("", html) == "SETUJU"


def test_html_without_visible_text_falls_back_to_text() -> None:
    assert reply_text("SETUJU\n\nSent from my iPhone", "<div><br></div><img src=x>") == "SETUJU"


def test_html_parser_failure_falls_back_to_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(html: str) -> str:
        raise AssertionError("parser gave up")

    monkeypatch.setattr(replytext, "html_reply_source", broken)
    assert reply_text("TOLAK belum lengkap", "<div>SETUJU</div>") == "TOLAK belum lengkap"


def test_non_breaking_and_invisible_spaces_inside_a_command() -> None:
    got = reply_text("\ufeffDISPOSISI\u00a0HUKUM\u00a0\u00a0mohon\u200b ditelaah\u00a0\n")
    assert got == "DISPOSISI HUKUM mohon ditelaah"
    assert first_lines(got) == ["DISPOSISI HUKUM mohon ditelaah"]


@pytest.mark.parametrize(
    "footer",
    [
        "Sent from my iPhone",
        "Dikirim dari iPhone saya",
        "Get Outlook for Android",
        "Dapatkan Outlook untuk Android",
        "Dikirim dari Yahoo Mail di Android",
        "Sent from Yahoo Mail on Android",
        "-- \nBudi Santoso\nSub Bagian Hukum",
        # as an HTML-to-text converter renders the footer's link
        "Dapatkan Outlook untuk Android (https://aka.ms/AAb9ysg)",
        "Dikirim dari Yahoo Mail di Android <https://mail.onelink.me/107872968?pid=native&c=Sig>",
    ],
)
def test_mobile_footers_and_signatures_are_removed(footer: str) -> None:
    header = "Pada Jum, 14 Nov 2026 pukul 09.41 Meja <p@k.id> menulis:"
    text = f"SETUJU\n\n{footer}\n\n{header}\n> TOLAK"
    assert reply_text(text) == "SETUJU"


@pytest.mark.parametrize(
    "header",
    [
        "Pada Jumat, 14 November 2026 09.41.02 WIB, Meja Pengaduan <pengaduan+Yh3@kpu.go.id> menulis:",
        "Pada tanggal Jum, 14 Nov 2026 09.41, Meja Pengaduan <\npengaduan+Yh3@kpu.go.id> menulis:",
        "On Friday, November 14, 2026, 09:41:02 AM GMT+7, Meja <pengaduan+Yh3@kpu.go.id> wrote:",
    ],
)
def test_attribution_followed_by_unprefixed_quote(header: str) -> None:
    # Yahoo's text part indents the quote instead of prefixing it with ">".
    text = f"SETUJU\n\n    {header}  \n \n Laporan akhir menunggu. Balas SETUJU atau TOLAK.\n"
    assert reply_text(text) == "SETUJU"


def test_closing_words_inside_a_sentence_are_kept() -> None:
    text = (
        "TOLAK\nTerima kasih, tetapi kesimpulan belum didukung bukti.\n\nTerima kasih.\n"
        "Budi\n\n-----Pesan Asli-----\nDari: Meja\nDikirim: Jumat\nSETUJU"
    )
    assert reply_text(text) == "TOLAK\nTerima kasih, tetapi kesimpulan belum didukung bukti."


def test_attribution_wrapped_over_three_lines() -> None:
    text = (
        "SETUJU\n\nOn Mon, Nov 3, 2026 at 10:15 AM Meja Pengaduan Komisi Pemilihan Umum\n"
        "Kabupaten Kepulauan Mentawai Provinsi Sumatera Barat <\n"
        "pengaduan+Ab1cD2@kpu-mentawai.go.id> wrote:\n\n> TOLAK\n"
    )
    assert reply_text(text) == "SETUJU"


@pytest.mark.parametrize(
    "reply, lines",
    [
        ("Yth. Admin, SETUJU", ["SETUJU"]),
        ("Selamat pagi Pak Sekretaris,\nLENGKAP", ["LENGKAP"]),
        ("Dengan hormat,\n\nTOLAK perlu keterangan saksi", ["TOLAK perlu keterangan saksi"]),
        ("Assalamualaikum wr. wb.\nKepada Yth. Admin\nSETUJU", ["SETUJU"]),
        ("Dear Admin,\nAPPROVE", ["APPROVE"]),
        ("SETUJU\nYth. Admin,", ["SETUJU", "Yth. Admin,"]),  # only leading greetings
        ("---\n  TERUSKAN   BAWASLU  \n.\nsatu\ndua\ntiga", ["TERUSKAN BAWASLU", "satu", "dua"]),
    ],
)
def test_first_lines(reply: str, lines: list[str]) -> None:
    assert first_lines(reply) == lines


def test_first_lines_count() -> None:
    assert first_lines("a\nb\nc\nd", n=2) == ["a", "b"]
    assert first_lines("", n=3) == []


@pytest.mark.parametrize(
    "text",
    [
        "On " + "x " * 60_000,
        "Pada " + "x " * 60_000 + "\nSETUJU",
        ("On " + "x " * 1_000 + "\n") * 60,
        "a\n" + "\n" * 60_000 + "b",
        " \n \n" * 30_000,
        "SETUJU\nSent from" + " " * 100_000 + "x",
        "SETUJU\n" + "\t" * 100_000 + "x",
        "SETUJU\n" + ".Warning: " * 40_000,
        "SETUJU\n" + ":Disclaimer:Dari:.-----Original Message" * 10_000,
    ],
)
def test_hostile_bodies_are_read_in_linear_time(text: str) -> None:
    # The library's own "On … wrote:" pattern and its signature pattern backtrack
    # quadratically on these (minutes); ours take milliseconds.
    started = time.perf_counter()
    reply_text(text)
    assert time.perf_counter() - started < 5


def test_hostile_html_is_read_in_linear_time() -> None:
    html = "<div>" * 30_000 + "</span>" * 30_000 + "SETUJU"
    started = time.perf_counter()
    assert reply_text("", html) == "SETUJU"
    assert time.perf_counter() - started < 5
