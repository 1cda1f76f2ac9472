"""Content-Transfer-Encoding decoding that recovers what it can and says what it could not.

The email package's own decoding is quiet about damage: `get_payload(decode=True)` returns the
still-encoded text when base64 has an impossible length, ignores a Content-Transfer-Encoding with
stray spaces ("base64 "), and mail-parser passes invalid base64 through unchanged. Here every
leaf payload is decoded once, leniently, and every repair becomes a note for the defects list.
"""

from __future__ import annotations

import binascii
import io
import re
from email.generator import BytesGenerator
from email.message import Message

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]+")
_B64_PADDING = re.compile(rb"=+")
_UU = ("x-uuencode", "uuencode", "x-uue", "uue")
_IDENTITY = ("", "7bit", "8bit", "binary")


def lenient_b64decode(data: bytes) -> tuple[bytes, list[str]]:
    """Decode base64, skipping junk characters and repairing padding; returns (bytes, notes)."""
    notes: list[str] = []
    compact = data.translate(None, b" \t\r\n")
    if compact.translate(None, _B64_ALPHABET):
        cleaned = _B64_JUNK.sub(b"", compact)
        notes.append(f"{len(compact) - len(cleaned)} invalid characters in base64 data skipped")
        compact = cleaned
    chunks = [c for c in _B64_PADDING.split(compact) if c]
    if len(chunks) > 1:
        # Some encoders pad every line; decoding stops at the first "=" in most libraries, which
        # would silently cut the file. Decode every chunk instead.
        notes.append("base64 data continues after padding")
    out = []
    for chunk in chunks:
        if len(chunk) % 4 == 1:
            chunk = chunk[:-1]  # a lone trailing character carries no complete byte
            notes.append("base64 data ends mid-byte; the last character was dropped")
        out.append(binascii.a2b_base64(chunk + b"=" * (-len(chunk) % 4)))
    return b"".join(out), notes


def raw_payload_bytes(part: Message) -> bytes:
    """The part's body as it was on the wire (still transfer-encoded)."""
    # Not get_payload(): when the body holds 8-bit bytes it decodes them with the declared
    # charset (errors="replace"), so the raw bytes would be lost before we can judge the label.
    payload = getattr(part, "_payload", None)
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    if not isinstance(payload, str):
        return b""
    try:
        return payload.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return payload.encode("utf-8", "surrogateescape")


def transfer_encoding(part: Message) -> str:
    return str(part.get("content-transfer-encoding", "")).strip().strip("\"'").lower()


def decode_transfer(part: Message, data: bytes | None = None) -> tuple[bytes, list[str]]:
    """Decode a leaf part's Content-Transfer-Encoding; returns (bytes, notes). `data`: the
    part's encoded body when the caller already has it (`blobs.Blobs.expand`)."""
    data = raw_payload_bytes(part) if data is None else data
    cte = transfer_encoding(part)
    if cte == "base64":
        return lenient_b64decode(data)
    if cte == "quoted-printable":
        return binascii.a2b_qp(data), []
    if cte in _UU:
        try:
            decoded = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - the stdlib's uu decoder raises several kinds
            decoded = None
        if isinstance(decoded, bytes) and decoded != data:
            return decoded, []
        return data, ["uuencoded data could not be decoded; kept as is"]
    if cte in _IDENTITY:
        return data, []
    return data, [f"unknown transfer encoding {cte[:40]!r}; content kept as is"]


def message_bytes(message: Message) -> bytes:
    """Serialize a parsed (sub)message back to RFC 5322 bytes with CRLF line ends.

    The email package keeps no byte offsets, so a forwarded message is re-generated from its
    parsed form: headers and bodies are written back as they were read (no re-folding, 8-bit
    bytes kept), which is faithful for everything a reader needs.
    """
    buffer = io.BytesIO()
    try:
        BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0).flatten(
            message, unixfrom=False, linesep="\r\n"
        )
        return buffer.getvalue()
    except Exception:  # noqa: BLE001 - the generator trips on many kinds of damage
        return _message_bytes_fallback(message)


def _message_bytes_fallback(message: Message) -> bytes:
    lines = [f"{name}: {value}" for name, value in message.raw_items()]
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    if message.is_multipart():
        parts = [sub for sub in message.get_payload() if isinstance(sub, Message)]
        body = b"\r\n".join(message_bytes(sub) for sub in parts)
    else:
        body = raw_payload_bytes(message)
    return head + b"\r\n\r\n" + body
