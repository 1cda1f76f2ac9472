"""Long base64 bodies parsed outside the email package (`blobs`): same result, bounded memory."""

from __future__ import annotations

import random
import tracemalloc
from email.message import EmailMessage

import pytest

from dumas.ingest.mail import blobs
from dumas.ingest.mail.parser import parse_message
from dumas.ingest.mail.payloads import lenient_b64decode
from tests import mailfactory as mf

_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def test_decoding_in_slices_equals_decoding_at_once(monkeypatch):
    rng = random.Random(5)
    for _ in range(2000):
        data = bytes(rng.choice(_ALPHABET + b"==\r\n \t!*-") for _ in range(rng.randint(0, 200)))
        cuts = sorted(rng.randint(0, len(data)) for _ in range(rng.randint(0, 4)))
        segments = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        monkeypatch.setattr(blobs, "SLICE", rng.choice([4, 5, 8, 1024]))
        assert blobs.b64decode_segments(iter(segments)) == lenient_b64decode(data), data


def _parsed_both_ways(raw: bytes, monkeypatch):
    monkeypatch.setattr(blobs, "MIN_BLOB", 10**12)
    whole = parse_message(raw)
    monkeypatch.setattr(blobs, "MIN_BLOB", 64 * 1024)
    monkeypatch.setattr(blobs, "SLICE", 4096)
    slim = parse_message(raw)
    return whole, slim


@pytest.mark.parametrize("linesep", ["\r\n", "\n"])
def test_a_large_attachment_is_read_as_the_email_package_reads_it(monkeypatch, linesep):
    data = random.Random(1).randbytes(600_000)
    raw = mf.complaint(attachments=[("video.mp4", "video/mp4", data)])
    raw = raw.replace(b"\r\n", linesep.encode())
    assert blobs.slim(raw)[1] is not None
    whole, slim = _parsed_both_ways(raw, monkeypatch)
    assert slim == whole
    assert slim.attachments[0].payload == data
    assert slim.raw == raw  # DKIM is checked over the bytes as received


def test_a_forwarded_message_keeps_its_large_attachment(monkeypatch):
    inner = mf.complaint(
        attachments=[("foto.jpg", "image/jpeg", random.Random(2).randbytes(200_000))]
    )
    outer = EmailMessage()
    outer["From"] = "warga@gmail.com"
    outer["Subject"] = "Fwd: bukti"
    outer.set_content("terlampir")
    outer.add_attachment(inner, maintype="message", subtype="rfc822")
    whole, slim = _parsed_both_ways(outer.as_bytes(), monkeypatch)
    assert slim == whole
    assert [a.payload for a in slim.attachments] == [a.payload for a in whole.attachments]


def test_a_token_written_by_the_sender_stands_for_nothing(monkeypatch):
    body = "!dumas-blob-0000000000000000-0!\n" + "QUJD\n" * 40_000
    whole, slim = _parsed_both_ways(mf.complaint(body=body), monkeypatch)
    assert slim.text == whole.text


def test_parsing_holds_the_attachment_about_once():
    data = random.Random(3).randbytes(4 * 1024 * 1024)
    raw = mf.complaint(attachments=[("video.mp4", "video/mp4", data)])
    tracemalloc.start()
    try:
        mail = parse_message(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert mail.attachments[0].payload == data
    # The decoded payload plus a few slices; the email package alone held about 8x the message.
    assert peak < len(data) + 6 * blobs.SLICE
