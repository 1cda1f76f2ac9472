"""Large base64 bodies kept out of the email package's hands (issue 11 item 4: bounded memory).

The email package reads a leaf body as one `str` line by line: a 23 MiB attachment costs about
180 MiB at the parse's peak (the decoded input, its lines as separate objects, their join), and
the decoding after it as much again. Before parsing, `slim` replaces every long run of base64
lines (`MIN_BLOB` bytes or more) with a one-line token; the parser then sees a small message.
Whoever reads a leaf's payload asks `Blobs` for it: `b64decode` decodes a base64 body straight
from the original bytes, in slices, into one buffer — exactly what `lenient_b64decode` gives for
the whole body, with the same notes — and `expand` puts the original bytes back anywhere else (a
run of base64-looking lines in a text body, a forwarded message). The token carries a random
nonce per parse, so a sender cannot write one that we would expand.
"""

from __future__ import annotations

import binascii
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

MIN_BLOB = 512 * 1024  # smaller runs are parsed as before: the corpus' mail never gets here
SLICE = 1024 * 1024  # bytes decoded at a time
# From a line start, base64 characters and line breaks: a single-character repeat, so the
# regex engine keeps no state per line (a repeated group would hold ~200 bytes for each of a
# large body's 300,000 lines). Headers (":"), boundaries ("--") and text (spaces) end it, so a
# run never leaves the body it starts in; it starts with a base64 character, never at the blank
# line that ends a part's headers.
_B64_RUN = re.compile(rb"^[A-Za-z0-9+/=][A-Za-z0-9+/=\r\n]*", re.M)
_WHITESPACE = b" \t\r\n"
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# As in `payloads.lenient_b64decode`, whose result `b64decode_segments` must equal.
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]+")


@dataclass
class Blobs:
    """The long base64 runs cut out of `source` by `slim`: token index → (start, end)."""

    source: bytes
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))
    spans: list[tuple[int, int]] = field(default_factory=list)

    def token(self, index: int) -> bytes:
        return f"!dumas-blob-{self.nonce}-{index}!".encode("ascii")

    @property
    def _pattern(self) -> re.Pattern[bytes]:
        return re.compile(rb"!dumas-blob-" + self.nonce.encode("ascii") + rb"-(\d+)!")

    def holds(self, data: bytes) -> bool:
        return bool(self.spans) and self._pattern.search(data) is not None

    def expand(self, data: bytes, crlf: bool = False) -> bytes:
        """`data` with every token replaced by the original bytes it stands for; `crlf`: with
        CRLF line breaks, as `payloads.message_bytes` writes the rest of a forwarded message."""
        if not self.holds(data):
            return data

        def original(match: re.Match[bytes]) -> bytes:
            span = self._span_bytes(int(match.group(1)))
            return _LINE_BREAK.sub(b"\r\n", span) if crlf else span

        return self._pattern.sub(original, data)

    def segments(self, data: bytes) -> Iterator[bytes]:
        """`expand(data)` as a sequence of slices of at most about `SLICE` bytes."""
        position = 0
        for match in self._pattern.finditer(data):
            if match.start() > position:
                yield data[position : match.start()]
            start, end = self._span(int(match.group(1)))
            view = memoryview(self.source)
            for offset in range(start, end, SLICE):
                yield bytes(view[offset : min(offset + SLICE, end)])
            position = match.end()
        if position < len(data):
            yield data[position:]

    def _span(self, index: int) -> tuple[int, int]:
        if index >= len(self.spans):  # a forged index: the token stands for nothing
            return 0, 0
        return self.spans[index]

    def _span_bytes(self, index: int) -> bytes:
        start, end = self._span(index)
        return self.source[start:end]


def slim(data: bytes) -> tuple[bytes, Blobs | None]:
    """`data` with each run of base64 lines of `MIN_BLOB` bytes or more replaced by a token
    line; None when there is none (the message is then parsed from `data` itself)."""
    if len(data) < MIN_BLOB:
        return data, None
    blobs = Blobs(data)
    chunks: list[bytes] = []
    position = 0
    for match in _B64_RUN.finditer(data):
        start = match.start()
        stop = data.rfind(b"\n", start, match.end()) + 1  # whole lines only
        if stop - start < MIN_BLOB:
            continue
        newline = b"\r\n" if data[stop - 2 : stop] == b"\r\n" else b"\n"
        # The token line keeps the run's last line break: the parser strips the one before a
        # boundary from the payload, and expanding the token gives back everything else.
        chunks += [data[position:start], blobs.token(len(blobs.spans)), newline]
        blobs.spans.append((start, stop - len(newline)))
        position = stop
    if not blobs.spans:
        return data, None
    chunks.append(data[position:])
    return b"".join(chunks), blobs


def b64decode_segments(segments: Iterator[bytes]) -> tuple[bytes, list[str]]:
    """`lenient_b64decode` of the concatenated segments, decoded slice by slice."""
    out = io.BytesIO()  # getvalue() hands over its buffer: the decoded bytes exist once
    junk = 0
    chunks = 0  # non-empty runs between padding
    pending = b""  # the current run's characters not yet decoded (fewer than 4)
    in_chunk = False
    mid_byte: list[str] = []

    def finish() -> None:
        nonlocal pending, in_chunk, chunks
        if in_chunk:
            chunks += 1
            tail = pending
            if len(tail) % 4 == 1:
                tail = tail[:-1]
                mid_byte.append("base64 data ends mid-byte; the last character was dropped")
            out.write(binascii.a2b_base64(tail + b"=" * (-len(tail) % 4)))
        pending, in_chunk = b"", False

    for segment in segments:
        compact = segment.translate(None, _WHITESPACE)
        if compact.translate(None, _B64_ALPHABET):
            cleaned = _B64_JUNK.sub(b"", compact)
            junk += len(compact) - len(cleaned)
            compact = cleaned
        pieces = compact.split(b"=")
        for number, piece in enumerate(pieces):
            if number:  # a "=" ends the current run
                finish()
            if not piece:
                continue
            in_chunk = True
            pending = pending + piece if pending else piece  # no copy of a whole slice
            whole = len(pending) - len(pending) % 4
            if whole >= SLICE or (number == len(pieces) - 1 and whole):
                out.write(binascii.a2b_base64(pending[:whole]))
                pending = pending[whole:]
    finish()
    notes = [f"{junk} invalid characters in base64 data skipped"] if junk else []
    if chunks > 1:
        notes.append("base64 data continues after padding")
    return out.getvalue(), notes + mid_byte
