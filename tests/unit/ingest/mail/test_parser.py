"""parse_message: raw RFC 822 bytes → InboundMail, on the shapes real mailboxes deliver."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dumas.ingest.mail.parser import parse_message
from dumas.workflow.errors import MessageError
from tests.mailfactory import KOMPLAIN_LENGKAP, bounce, complaint, rfc2047_subject, tiny_pdf

from .test_corpus_parse import is_safe_filename

SAMPLES = Path(__file__).resolve().parent / "samples" / "parser"
SUBJECT_ID = "Pengaduan dugaan politik uang di TPS 03 Desa Muara Siberut"


def mail(head: str, body: str | bytes = "Isi pesan.\n", charset: str = "utf-8") -> bytes:
    """A message with the given header block (LF line ends in the test, CRLF on the wire)."""
    data = body.encode(charset) if isinstance(body, str) else body
    return head.strip("\n").replace("\n", "\r\n").encode("utf-8") + b"\r\n\r\n" + data


BASIC = """From: Budi Santoso <budi@example.id>
To: pengaduan@dumas.test
Subject: Laporan
Date: Mon, 2 Nov 2026 09:15:00 +0700
Message-ID: <abc-1@example.id>
"""


def multipart(parts: list[str], head: str = BASIC, subtype: str = "mixed") -> bytes:
    body = "".join(f"--BOUNDARY\n{part.strip(chr(10))}\n" for part in parts) + "--BOUNDARY--\n"
    head = head + f'MIME-Version: 1.0\nContent-Type: multipart/{subtype}; boundary="BOUNDARY"\n'
    return mail(head, body.replace("\n", "\r\n"))


def defects_about(parsed, *words: str) -> list[str]:
    return [d for d in parsed.defects if all(w.lower() in d.lower() for w in words)]


# -- the common shapes ---------------------------------------------------------------------------


def test_plain_complaint():
    parsed = parse_message(complaint())
    assert parsed.sender.email == "budi.santoso@gmail.com"
    assert parsed.sender.name == "Budi Santoso"
    assert [a.key for a in parsed.to] == ["pengaduan@dumas.test"]
    assert parsed.subject == SUBJECT_ID
    assert parsed.text.strip() == KOMPLAIN_LENGKAP.strip()
    assert parsed.html == "" and parsed.text_from_html is False
    assert parsed.attachments == ()
    assert parsed.date == datetime(2026, 11, 2, 2, 15, tzinfo=UTC)
    assert parsed.message_id.endswith("@mail.gmail.com") and "<" not in parsed.message_id
    assert parsed.content_type == "text/plain"
    assert parsed.defects == ()


def test_html_only_body_becomes_sanitized_html_and_readable_text():
    html = (
        "<html><head><title>judul</title><style>p{color:red}</style>"
        "<script>alert('x')</script></head><body>"
        "<p>Yth. Bapak/Ibu,</p><p>Ada <b>politik uang</b> &amp; intimidasi di TPS&nbsp;03."
        "<br>Foto: <a href='https://foto.example/1'>lihat</a></p>"
        "<ul><li>saksi satu</li><li>saksi dua</li></ul>"
        "<img src='https://tracker.example/p.gif' onerror='steal()'></body></html>"
    )
    parsed = parse_message(complaint(body=None, html=html))
    assert parsed.text_from_html is True
    assert parsed.text.splitlines() == [
        "Yth. Bapak/Ibu,",
        "",
        "Ada politik uang & intimidasi di TPS 03.",
        "Foto: lihat (https://foto.example/1)",
        "",
        "- saksi satu",
        "- saksi dua",
    ]
    for banned in ("<script", "alert", "onerror", "tracker.example", "color:red", "judul"):
        assert banned not in parsed.html
    assert "<b>politik uang</b>" in parsed.html


def test_multipart_alternative_uses_the_text_part_and_keeps_sanitized_html():
    parsed = parse_message(complaint(body="Teks biasa.\n", html="<p>Teks <i>HTML</i></p>"))
    assert parsed.text == "Teks biasa."
    assert parsed.text_from_html is False
    assert parsed.html == "<p>Teks <i>HTML</i></p>"
    assert parsed.content_type == "multipart/alternative"
    assert parsed.attachments == ()


def test_empty_text_part_falls_back_to_the_html_part():
    parsed = parse_message(complaint(body="\n", html="<p>Isi ada di HTML</p>"))
    assert parsed.text == "Isi ada di HTML" and parsed.text_from_html is True


def test_outlook_quoted_printable_html():
    parsed = parse_message((SAMPLES / "outlook_qp_html.eml").read_bytes())
    assert parsed.subject == "Laporan – intimidasi pemilih di TPS 07"
    assert parsed.text_from_html is True
    assert "Desa Saumanganya – Kecamatan Pagai Utara" in parsed.text
    assert "ancaman “tidak akan dapat bantuan”." in parsed.text
    assert "Hormat saya,\nSiti Rahmawati" in parsed.text
    for leftover in ("=\n", "=3D", "mso-", "Cambria", "o:p", "&nbsp;", "<"):
        assert leftover not in parsed.text
    assert parsed.auth_results == (
        "mx.dumas.test; dkim=pass header.d=outlook.com; spf=pass smtp.mailfrom=outlook.com",
        "relay.dumas.test; arc=none",
    )


# -- attachments ----------------------------------------------------------------------------------

HOSTILE_NAMES = [
    ('filename="../../etc/passwd"', "passwd"),
    ('filename="/etc/shadow"', "shadow"),
    ('filename="C:\\\\Windows\\\\x.exe"', "x.exe"),
    ("filename*=UTF-8''lap%07oran%0D%0Abaru.pdf", "laporan baru.pdf"),
    ("filename*=UTF-8''bukti%00.jpg.exe", "bukti.jpg.exe"),
    ('filename=""', "lampiran-6.pdf"),
    ('filename="' + "a" * 300 + '.pdf"', "a" * 146 + ".pdf"),
    ('filename=".htaccess"', "htaccess"),
]


def _attachment_part(disposition_params: str, data: bytes = b"%PDF-1.4 bukti") -> str:
    return (
        "Content-Type: application/pdf\n"
        f"Content-Disposition: attachment; {disposition_params}\n"
        "Content-Transfer-Encoding: base64\n\n" + base64.b64encode(data).decode()
    )


def test_hostile_attachment_filenames_are_made_safe():
    parts = ["Content-Type: text/plain\n\nLihat lampiran."]
    parts += [
        _attachment_part(params, f"file {i}".encode())
        for i, (params, _) in enumerate(HOSTILE_NAMES)
    ]
    parsed = parse_message(multipart(parts))
    assert [a.filename for a in parsed.attachments] == [want for _, want in HOSTILE_NAMES]
    for number, attachment in enumerate(parsed.attachments):
        assert is_safe_filename(attachment.filename)
        assert attachment.payload == f"file {number}".encode()
        assert attachment.sha256 == hashlib.sha256(attachment.payload).hexdigest()
        assert attachment.content_type == "application/pdf"
    assert parsed.attachments[0].original_filename == "../../etc/passwd"
    assert parsed.attachments[2].original_filename == "C:\\Windows\\x.exe"
    assert parsed.text == "Lihat lampiran."


def test_attachment_names_encoded_with_rfc2231_and_rfc2047_are_decoded():
    encoded = base64.b64encode(b"Surat pernyataan saksi.pdf").decode()
    parts = [
        "Content-Type: text/plain\n\nBerkas.",
        _attachment_part("filename*=UTF-8''Bukti%20foto%20caf%C3%A9.jpg"),
        _attachment_part(f'filename="=?UTF-8?B?{encoded}?="'),
        _attachment_part("filename*=iso-8859-1''Kr%E4ftig.pdf"),
    ]
    parsed = parse_message(multipart(parts))
    assert [a.filename for a in parsed.attachments] == [
        "Bukti foto café.jpg",
        "Surat pernyataan saksi.pdf",
        "Kräftig.pdf",
    ]
    assert parsed.attachments[0].original_filename == "Bukti foto café.jpg"


def test_duplicate_attachment_names_are_made_unique():
    parts = [_attachment_part('filename="foto.jpg"'), _attachment_part('filename="foto.jpg"')]
    parsed = parse_message(multipart(parts))
    assert [a.filename for a in parsed.attachments] == ["foto.jpg", "foto (2).jpg"]


def test_invalid_base64_is_decoded_as_far_as_possible_with_a_defect():
    good = base64.b64encode(b"Laporan lengkap terlampir.").decode()
    broken = good[:8] + "!!*" + good[8:] + "Q"  # junk characters and a dangling character
    parts = [
        "Content-Type: text/plain\n\nLampiran rusak.",
        "Content-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename=laporan.txt\n"
        "Content-Transfer-Encoding: base64\n\n" + broken,
    ]
    parsed = parse_message(multipart(parts))
    (attachment,) = parsed.attachments
    assert attachment.payload == b"Laporan lengkap terlampir."
    assert attachment.sha256 == hashlib.sha256(b"Laporan lengkap terlampir.").hexdigest()
    assert defects_about(parsed, "part 2", "base64", "invalid characters")
    assert defects_about(parsed, "part 2", "base64", "mid-byte")


def test_inline_image_in_related_html_is_an_inline_attachment():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    related = (
        'Content-Type: multipart/related; boundary="REL"\n\n'
        "--REL\nContent-Type: text/html; charset=utf-8\n\n"
        '<p>Foto:</p><img src="cid:foto1@dumas">\n'
        "--REL\nContent-Type: image/png\nContent-ID: <foto1@dumas>\n"
        f"Content-Transfer-Encoding: base64\n\n{png}\n--REL--"
    )
    parsed = parse_message(multipart([related]))
    (image,) = parsed.attachments
    assert image.inline is True and image.content_id == "foto1@dumas"
    assert image.filename == "lampiran-1.png" and image.original_filename == ""
    assert image.payload.startswith(b"\x89PNG")
    assert "cid:" not in parsed.html and "<img" in parsed.html
    assert parsed.text == "Foto:"


def test_tnef_winmail_dat_is_kept_as_a_file():
    parts = [
        "Content-Type: text/plain\n\nLihat lampiran.",
        "Content-Type: application/ms-tnef\nContent-Transfer-Encoding: base64\n\n"
        + base64.b64encode(b"\x78\x9f\x3e\x22tnef").decode(),
    ]
    parsed = parse_message(multipart(parts))
    (tnef,) = parsed.attachments
    assert tnef.filename == "winmail.dat" and tnef.content_type == "application/ms-tnef"
    assert tnef.payload == b"\x78\x9f\x3e\x22tnef"


def test_mailfactory_attachments_round_trip():
    pdf = tiny_pdf()
    parsed = parse_message(complaint(attachments=[("bukti.pdf", "application/pdf", pdf)]))
    (attachment,) = parsed.attachments
    assert (attachment.filename, attachment.payload) == ("bukti.pdf", pdf)
    assert attachment.size == len(pdf)


# -- forwarded messages ---------------------------------------------------------------------------


def test_forwarded_message_is_one_attachment_named_after_its_subject():
    parsed = parse_message((SAMPLES / "forwarded_rfc822.eml").read_bytes())
    assert parsed.text == "Saya teruskan pesan ancaman yang saya terima kemarin."
    (forwarded,) = parsed.attachments
    assert forwarded.filename == "Ancaman kepada saksi.eml"
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.payload.startswith(b"From: Orang Tak Dikenal <anonim@example.net>\r\n")
    assert b"KALIMAT-DALAM-PESAN-TERUSAN" in forwarded.payload
    assert b"JVBERi0xLjQKJSVFT0YK" in forwarded.payload  # its own attachment stays inside it
    assert "KALIMAT-DALAM-PESAN-TERUSAN" not in parsed.text
    assert forwarded.sha256 == hashlib.sha256(forwarded.payload).hexdigest()
    inner = parse_message(forwarded.payload)
    assert inner.subject == "Ancaman kepada saksi"
    assert [a.filename for a in inner.attachments] == ["bukti-dalam.pdf"]


def test_forwarded_message_without_subject_is_pesan_terusan_eml():
    forwarded = "Content-Type: message/rfc822\n\nFrom: a@example.net\n\nisi terusan"
    parsed = parse_message(multipart(["Content-Type: text/plain\n\nTerusan.", forwarded]))
    assert [a.filename for a in parsed.attachments] == ["pesan-terusan.eml"]
    assert "isi terusan" not in parsed.text


# -- headers --------------------------------------------------------------------------------------


def test_rfc2047_indonesian_subject():
    parsed = parse_message(complaint(subject=rfc2047_subject(SUBJECT_ID)))
    assert parsed.subject == SUBJECT_ID
    assert parsed.header("Subject") == SUBJECT_ID


def test_encoded_words_split_inside_a_character_are_joined_before_decoding():
    data = "Pengaduan – Siberut".encode()
    cut = data.index("–".encode()) + 1  # split the three bytes of the dash
    words = [base64.b64encode(chunk).decode() for chunk in (data[:cut], data[cut:])]
    head = BASIC.replace(
        "Subject: Laporan", f"Subject: =?UTF-8?B?{words[0]}?=\n =?UTF-8?B?{words[1]}?="
    )
    parsed = parse_message(mail(head))
    assert parsed.subject == "Pengaduan – Siberut"
    assert parsed.defects == ()


def test_encoded_word_in_unknown_charset_is_kept_readable_with_a_defect():
    head = BASIC.replace("Subject: Laporan", "Subject: =?x-unknown?Q?Laporan_caf=E9?= TPS 03")
    head = head.replace("From: Budi Santoso", "From: =?x-unknown?Q?Jos=E9?=")
    parsed = parse_message(mail(head))
    assert parsed.subject == "Laporan café TPS 03"
    assert parsed.sender.name == "José" and parsed.sender.email == "budi@example.id"
    assert defects_about(parsed, "Subject", "x-unknown")


def test_raw_utf8_header_is_read_as_utf8():
    raw = mail(BASIC.replace("Subject: Laporan", "Subject: Pengaduan – Desa Muara Siberut"))
    assert parse_message(raw).subject == "Pengaduan – Desa Muara Siberut"


def test_missing_from_message_id_and_date():
    parsed = parse_message(mail("To: pengaduan@dumas.test\nSubject: Tanpa pengirim"))
    assert parsed.sender is None and parsed.message_id == "" and parsed.date is None
    assert parsed.subject == "Tanpa pengirim" and parsed.text == "Isi pesan."
    for name in ("From", "Date", "Message-ID"):
        assert f"no {name} header" in parsed.defects


def test_address_headers_group_syntax_and_garbage():
    head = (
        "From: Budi Santoso <budi@example.id>\n"
        "To: undisclosed-recipients:;\n"
        'Cc: Tim Hukum: hukum@dumas.test, "Sekretaris, KPU" <sek@dumas.test>;, '
        "ketua@dumas.test\n"
        "Reply-To: <<garbage>> ,,, @@\n"
        "Subject: Alamat\n"
    )
    parsed = parse_message(mail(head))
    assert parsed.to == ()
    assert [(a.name, a.key) for a in parsed.cc] == [
        ("", "hukum@dumas.test"),
        ("Sekretaris, KPU", "sek@dumas.test"),
        ("", "ketua@dumas.test"),
    ]
    assert parsed.reply_to == ()
    assert defects_about(parsed, "Reply-To")


def test_lenient_sender_recovery_only_when_unambiguous():
    assert parse_message(mail("From: MAILER-DAEMON\nSubject: x")).sender.email == "MAILER-DAEMON"
    assert (
        parse_message(mail("From: Budi budi@example.id\nSubject: x")).sender.email
        == "budi@example.id"
    )
    spoof = parse_message(mail('From: "a b" <pak bos@example.id>\nSubject: x'))
    assert spoof.sender is None and defects_about(spoof, "From")


def test_envelope_headers_ids_and_return_path():
    head = (
        "Return-Path: <>\n"
        "Delivered-To: pengaduan+tok3n@dumas.test\n"
        "X-Original-To: pengaduan+tok3n@dumas.test\n"
        "Envelope-To: <pengaduan@dumas.test>, arsip@dumas.test\n"
        "Received: from a by b; Mon, 2 Nov 2026 02:15:10 +0000\n"
        "Received: from c by a; Mon, 2 Nov 2026 02:15:09 +0000\n"
        + BASIC.replace("Message-ID: <abc-1@example.id>", "Message-ID:  < abc-1@example.id >")
        + "In-Reply-To: <out-7@dumas.test> (kiriman kami)\n"
        "References: <root@dumas.test>\n <out-7@dumas.test> <root@dumas.test>\n"
    )
    parsed = parse_message(mail(head))
    assert parsed.return_path == ""
    assert parsed.delivered_to == (
        "pengaduan+tok3n@dumas.test",
        "pengaduan@dumas.test",
        "arsip@dumas.test",
    )
    assert parsed.message_id == "abc-1@example.id"
    assert parsed.in_reply_to == ("out-7@dumas.test",)
    assert parsed.references == ("root@dumas.test", "out-7@dumas.test")
    assert parsed.headers["received"] == (
        "from a by b; Mon, 2 Nov 2026 02:15:10 +0000",
        "from c by a; Mon, 2 Nov 2026 02:15:09 +0000",
    )
    assert parsed.header("RECEIVED").startswith("from a by b")
    assert "pengaduan+tok3n@dumas.test" in parsed.all_recipients
    assert parse_message(mail(BASIC)).return_path is None
    assert parse_message(mail("Return-Path: <b@x.id>\n" + BASIC)).return_path == "b@x.id"


def _with_date(value: str):
    return parse_message(mail(BASIC.replace("Mon, 2 Nov 2026 09:15:00 +0700", value)))


def test_date_is_aware_utc():
    parsed = _with_date("Mon, 2 Nov 2026 09:15:00 +0700")
    assert parsed.date == datetime(2026, 11, 2, 2, 15, tzinfo=UTC)
    assert parsed.date.tzinfo is UTC


def test_nonstandard_date_is_read_leniently_with_a_defect():
    parsed = _with_date("Mon, 2 Nov 2026 09:15")  # no seconds, no zone (seen from old clients)
    assert parsed.date == datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
    assert defects_about(parsed, "Date", "leniently")


def test_unreadable_date_is_none_with_a_defect():
    parsed = _with_date("kemarin sore")
    assert parsed.date is None and defects_about(parsed, "Date", "unreadable")


# -- charsets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "charset, text",
    [
        ("iso-8859-1", "Laporan dari Désa Muara — no. 3 ½"),
        ("windows-1252", "Bukti “foto” terlampir – biaya €50"),
    ],
)
def test_single_byte_bodies(charset, text):
    if charset == "iso-8859-1":
        text = text.replace("—", "-")  # not in latin-1
    head = BASIC + f"Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n"
    parsed = parse_message(mail(head, text, charset=charset))
    assert parsed.text == text and parsed.defects == ()


def test_mislabelled_latin1_that_is_utf8_is_decoded_as_utf8_with_a_defect():
    head = BASIC + "Content-Type: text/plain; charset=iso-8859-1\n"
    parsed = parse_message(mail(head, "Pemilu – ‘jujur’ dan adil", charset="utf-8"))
    assert parsed.text == "Pemilu – ‘jujur’ dan adil"
    assert defects_about(parsed, "iso-8859-1", "UTF-8")


def test_utf8_label_on_windows_1252_bytes_falls_back_with_a_defect():
    head = BASIC + "Content-Type: text/plain; charset=utf-8\n"
    parsed = parse_message(mail(head, "Bukti “foto”", charset="windows-1252"))
    assert parsed.text == "Bukti “foto”"
    assert defects_about(parsed, "declared UTF-8")


def test_unknown_body_charset_falls_back_with_a_defect():
    head = BASIC + "Content-Type: text/plain; charset=x-klingon\n"
    parsed = parse_message(mail(head, "Désa", charset="latin-1"))
    assert parsed.text == "Désa" and defects_about(parsed, "x-klingon")


def test_line_endings_are_normalised_and_nul_removed():
    parsed = parse_message(mail(BASIC, b"baris satu\r\nbaris\x00 dua\rbaris tiga\r\n"))
    assert parsed.text == "baris satu\nbaris dua\nbaris tiga"


# -- reports and damaged input --------------------------------------------------------------------


def test_delivery_status_notification():
    parsed = parse_message(b"Return-Path: <>\r\n" + bounce(original_id="<x-9@dumas.test>"))
    assert parsed.content_type == "multipart/report"
    assert parsed.return_path == ""
    assert parsed.text.startswith("I'm sorry to have to inform you")
    assert [a.content_type for a in parsed.attachments] == [
        "message/delivery-status",
        "text/rfc822-headers",
    ]
    assert b"Status: 5.1.1" in parsed.attachments[0].payload
    assert b"<x-9@dumas.test>" in parsed.attachments[1].payload
    assert all(is_safe_filename(a.filename) for a in parsed.attachments)


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "empty"),
        (b"\r\n \r\n", "empty"),
        (bytes(range(256)) * 8, "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "Outlook"),
        (b"Ini hanya teks tanpa kepala surat.\r\nBaris kedua.\r\n", "no mail headers"),
    ],
)
def test_input_that_is_not_mail_raises_message_error(raw, reason):
    with pytest.raises(MessageError) as caught:
        parse_message(raw)
    assert reason.lower() in caught.value.reason.lower()


def test_junk_before_headers_and_obsolete_header_syntax_are_recovered():
    parsed = parse_message(
        b"\xef\xbb\xbf\r\n---- Original message ----\r\nSubject : Halo\r\n"
        b"From  : budi@example.id\r\n\r\nIsi.\r\n"
    )
    assert parsed.subject == "Halo" and parsed.sender.email == "budi@example.id"
    assert parsed.text == "Isi."
    assert defects_about(parsed, "before the headers")


def test_broken_multipart_boundaries_still_give_the_text():
    raw = mail(
        BASIC + 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="X"\n',
        "--X\r\nContent-Type: text/plain\r\n\r\nTeks tanpa penutup.\r\n",
    )
    parsed = parse_message(raw)
    assert parsed.text == "Teks tanpa penutup."
    assert defects_about(parsed, "closing boundary")


def test_deeply_nested_multipart_does_not_crash():
    depth = 1500  # beyond the email package's recursion limit
    body = "".join(
        f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth)
    )
    body += f"--b{depth}\nContent-Type: text/plain\n\ndalam sekali\n"
    head = BASIC + 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"\n'
    parsed = parse_message(mail(head, body.replace("\n", "\r\n")))
    assert parsed.subject == "Laporan" and parsed.sender.email == "budi@example.id"
    assert defects_about(parsed, "nested")


def test_over_long_mime_header_is_cut_before_parsing():
    # the email package's parameter parsing is quadratic in the field length
    params = "; ".join(f"x{i}=y" for i in range(100000))
    parsed = parse_message(
        mail(BASIC + f"Content-Type: text/plain; charset=utf-8; {params}\n", "halo")
    )
    assert parsed.text == "halo" and parsed.content_type == "text/plain"
    assert defects_about(parsed, "over-long Content-Type")


def test_address_headers_are_capped():
    many = ", ".join(f"warga{i}@example.id" for i in range(2000))
    parsed = parse_message(mail(BASIC.replace("To: pengaduan@dumas.test", f"To: {many}")))
    assert len(parsed.to) == 500 and parsed.to[0].email == "warga0@example.id"
    assert defects_about(parsed, "To", "more than 500")


def test_a_parser_bug_in_the_body_keeps_the_headers_and_logs_no_content(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ValueError("isi rahasia pelapor")

    monkeypatch.setattr("dumas.ingest.mail.parser.extract", broken)
    parsed = parse_message(complaint(message_id="<bug-1@example.id>"))
    assert parsed.subject == SUBJECT_ID and parsed.text == "" and parsed.attachments == ()
    assert defects_about(parsed, "internal parser error ValueError")
    assert "bug-1@example.id" in caplog.text and "ValueError" in caplog.text
    assert "rahasia" not in caplog.text


def test_a_parser_bug_in_the_headers_becomes_a_message_error(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("x")

    monkeypatch.setattr("dumas.ingest.mail.parser.read_headers", broken)
    with pytest.raises(MessageError, match="internal parser error"):
        parse_message(complaint())
