"""Building realistic messages for tests and the demo: citizens' complaints and automatic mail.

Messages are built with the standard library the way the real clients shape them (multipart
layouts, encodings, headers) — the parser must not be tested only on what it likes.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

DEFAULT_DATE = datetime(2026, 11, 2, 2, 15, tzinfo=UTC)  # Monday 09:15 WIB

KOMPLAIN_LENGKAP = """Yth. Bapak/Ibu KPU Kabupaten Kepulauan Mentawai,

Saya ingin melaporkan dugaan politik uang yang dilakukan oleh oknum anggota KPPS di TPS 03
Desa Muara Siberut, Kecamatan Siberut Selatan, pada hari Sabtu malam sebelum pemungutan suara.
Terlapor: Sdr. Anton (anggota KPPS TPS 03).
Bukti foto terlampir.

Nama: Budi Santoso
No. HP: 0812-3456-7890
Alamat: Jl. Raya Muara Siberut No. 5, Desa Muara Siberut

Hormat saya,
Budi Santoso
"""

KOMPLAIN_KURANG = """Selamat siang,

saya mau melapor ada petugas yang tidak netral waktu pemilihan kemarin. tolong ditindaklanjuti.

terima kasih
"""


def tiny_jpeg() -> bytes:
    """A small real JPEG (a photo of evidence), made with Pillow."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


def tiny_pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
        b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def complaint(
    sender="Budi Santoso <budi.santoso@gmail.com>",
    to="pengaduan@dumas.test",
    subject="Pengaduan dugaan politik uang di TPS 03 Desa Muara Siberut",
    body=KOMPLAIN_LENGKAP,
    html=None,
    attachments=(),
    date=DEFAULT_DATE,
    headers=None,
    message_id=None,
) -> bytes:
    """A complaint: text (and/or HTML) with attachments given as (filename, type, bytes)."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id or make_msgid(domain="mail.gmail.com")
    for name, value in (headers or {}).items():
        msg[name] = value
    if body is not None:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html, subtype="html")
    for filename, ctype, data in attachments:
        main, _, sub = ctype.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return msg.as_bytes()


def out_of_office(to="pengaduan@dumas.test", sender="pejabat@kemendagri.example") -> bytes:
    return complaint(
        sender=sender,
        to=to,
        subject="Balasan Otomatis: Pengaduan",
        body="Saya sedang cuti sampai 10 November 2026.",
        headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
    )


def bounce(to="pengaduan@dumas.test", original_id="<x@dumas.test>") -> bytes:
    """A DSN (RFC 3464) as Postfix writes it."""
    return (
        "From: MAILER-DAEMON@mx.example (Mail Delivery System)\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {format_datetime(DEFAULT_DATE)}\r\n"
        f"Message-ID: {make_msgid(domain='mx.example')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; nobody@example.org\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "\r\n--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nSubject: Tanda terima\r\n"
        "\r\n--b1--\r\n"
    ).encode()


def rfc2047_subject(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="
