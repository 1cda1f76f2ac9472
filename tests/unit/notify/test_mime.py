"""Outgoing MIME: no header injection, RFC 3834 marking, threading headers."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from dumas.notify.mime import build_message, bytes_file, header_safe
from dumas.workflow.store.models import OutboxMessage

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def row(**kw):
    base = dict(
        id=7,
        message_id="<dumas.ack.abc@kpu.example>",
        to_addrs=["warga@gmail.com"],
        cc_addrs=[],
        reply_to="",
        subject="Tanda terima",
        body_text="Isi",
        body_html="",
        in_reply_to="",
        references="",
        created_at=NOW,
    )
    base.update(kw)
    return OutboxMessage(**base)


def parse(msg):
    return message_from_bytes(msg.as_bytes(), policy=policy.default)


def test_subject_with_crlf_cannot_add_headers():
    hostile = "Pengaduan\r\nBcc: korban@example.org\r\nX-Evil: 1"
    msg = parse(build_message(row(subject=hostile), "pengaduan@kpu.example", "KPU\r\nX-A: b", []))
    assert msg["Bcc"] is None and msg["X-Evil"] is None and msg["X-A"] is None
    assert msg["Subject"] == "Pengaduan Bcc: korban@example.org X-Evil: 1"


def test_every_message_is_marked_automatic_and_threaded():
    msg = parse(
        build_message(
            row(in_reply_to="<orig@gmail.com>", references="<a@x> <orig@gmail.com>"),
            "pengaduan@kpu.example",
            "Layanan Pengaduan",
            [],
        )
    )
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"] == "<dumas.ack.abc@kpu.example>"
    assert msg["In-Reply-To"] == "<orig@gmail.com>"
    assert msg["References"] == "<a@x> <orig@gmail.com>"
    assert msg["Date"] and msg["From"].addresses[0].display_name == "Layanan Pengaduan"


def test_indonesian_text_and_attachment_survive():
    msg = parse(
        build_message(
            row(
                subject="Tanda terima – nomor 001/PGD/XI/2026",
                body_text="Terima kasih, Bapak/Ibu “Budi”.",
            ),
            "pengaduan@kpu.example",
            "KPU",
            [bytes_file("tanda-terima.pdf", "application/pdf", b"%PDF-1")],
        )
    )
    assert msg["Subject"] == "Tanda terima – nomor 001/PGD/XI/2026"
    assert "“Budi”" in msg.get_body(("plain",)).get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "tanda-terima.pdf" and att.get_content() == b"%PDF-1"


@pytest.mark.parametrize("bad", ["not-an-address", "a@b\r\nBcc: x@y", "@kpu.example"])
def test_bad_recipient_is_refused(bad):
    with pytest.raises(ValueError):
        build_message(row(to_addrs=[bad]), "pengaduan@kpu.example", "KPU", [])


def test_header_safe():
    assert header_safe("a\r\nb\tc\x00d") == "a b c d"
    assert len(header_safe("x" * 5000)) == 900
