"""Attachments written from their files (issue 11 item 4): the same bytes the email package would
write, 76-character base64 lines, no line over RFC 5322's 998, the size known before reading, and
never more than a slice of a file in memory."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from dumas.notify import mime
from dumas.notify.mime import POLICY, AttachedFile, build_message, bytes_file, encoded_size
from dumas.workflow.errors import StorageError
from dumas.workflow.store.models import OutboxMessage

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def _row(**kw) -> OutboxMessage:
    base = dict(
        id=7,
        message_id="<dumas.tugas.abc@kpu.example>",
        to_addrs=["desk@kpu.example"],
        cc_addrs=[],
        reply_to="",
        subject="Tugas verifikasi",
        body_text="Yth. petugas,\n.\n.titik di awal baris\n" + "panjang " * 300,
        body_html="",
        in_reply_to="",
        references="",
        created_at=NOW,
    )
    base.update(kw)
    return OutboxMessage(**base)


def _data(size: int, seed: int = 4) -> bytes:
    return random.Random(seed).randbytes(size)


# Sizes around a line (57 bytes) and a slice, and an empty file.
SIZES = [0, 1, 56, 57, 58, 57 * 4096 - 1, 57 * 4096, 57 * 4096 + 1, 700_001]


@pytest.mark.parametrize("size", SIZES)
def test_the_streamed_message_is_what_the_email_package_writes(size):
    data = _data(size)
    out = build_message(
        _row(), "pengaduan@kpu.example", "KPU", [bytes_file("r.mp4", "video/mp4", data)]
    )
    streamed = out.as_bytes()
    # The email package's own message with the bytes in it, under the same boundary; its bodies
    # encoded in 76-character lines, the whole written under ours.
    theirs = EmailMessage(policy=policy.SMTP.clone(max_line_length=76))
    for name, value in out.message.items():
        if name.lower() not in ("content-type", "mime-version"):
            theirs[name] = value
    theirs.set_content(_row().body_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    theirs.add_attachment(data, maintype="video", subtype="mp4", filename="r.mp4")
    theirs.set_boundary(out.message.get_boundary())
    assert streamed == theirs.as_bytes(policy=POLICY)
    assert out.size() == len(streamed)


def test_a_large_file_arrives_whole_in_short_lines():
    data = _data(3_000_017, seed=9)
    files = [
        bytes_file("bukti satu.pdf", "application/pdf", b"%PDF-1.7 kecil"),
        bytes_file("rekaman.mp4", "video/mp4", data),
    ]
    raw = build_message(_row(), "pengaduan@kpu.example", "KPU", files).as_bytes()
    lines = raw.split(b"\r\n")
    assert max(map(len, lines)) <= 998
    # Bodies in 76-character lines (RFC 2045), base64 and quoted-printable alike.
    assert max(len(line) for line in lines if b": " not in line and b"==" not in line) <= 76
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    msg = message_from_bytes(raw, policy=policy.default)
    parts = {p.get_filename(): p for p in msg.iter_attachments()}  # type: ignore[attr-defined]
    assert parts["bukti satu.pdf"].get_content() == b"%PDF-1.7 kecil"
    video = parts["rekaman.mp4"]
    assert hashlib.sha256(video.get_content()).digest() == hashlib.sha256(data).digest()
    body = video.get_payload().splitlines()  # its base64 lines
    assert {len(line) for line in body[:-1]} == {76} and 0 < len(body[-1]) <= 76


def test_no_more_than_a_slice_of_a_file_is_held(monkeypatch):
    reads: list[int] = []

    class Spy(io.BytesIO):
        def read(self, n: int | None = -1) -> bytes:
            reads.append(n if n is not None else -1)
            return super().read(n)

    data = _data(2_000_000)
    f = AttachedFile("a.bin", "application/octet-stream", len(data), lambda: Spy(data))
    out = build_message(_row(), "pengaduan@kpu.example", "KPU", [f])
    chunks = list(out.chunks())
    assert reads and all(0 < n <= mime._SLICE for n in reads)  # never read(-1): not all at once
    assert max(map(len, chunks)) <= encoded_size(mime._SLICE)


def test_the_size_is_exact_for_every_length():
    for size in range(400):
        line_bytes = b"".join(mime.base64_lines(bytes_file("x", "a/b", bytes(size))))
        assert encoded_size(size) == len(line_bytes)


def test_a_file_that_is_not_its_size_stops_the_message():
    f = AttachedFile("a.bin", "application/pdf", 10, lambda: io.BytesIO(b"12345"))
    out = build_message(_row(), "pengaduan@kpu.example", "KPU", [f])
    with pytest.raises(StorageError):
        out.as_bytes()
