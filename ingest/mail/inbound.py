"""`InboundMail`: the plain data object every layer after the parser works with.

The parser (`dumas.ingest.mail.parser.parse_message`) is the only producer. Everything here is already
decoded: header values are `str` (RFC 2047 words decoded, unknown charsets replaced, never raised),
addresses are split into name and address, the text body exists even for HTML-only mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Address:
    name: str
    email: str  # as written, but stripped; compare with `.key`

    @property
    def key(self) -> str:
        return self.email.strip().lower()

    @property
    def domain(self) -> str:
        return self.key.rpartition("@")[2]

    def __str__(self) -> str:
        return self.email


@dataclass(frozen=True)
class InboundAttachment:
    filename: str  # safe: no path separators, no control characters, never empty
    original_filename: str  # decoded as the sender wrote it (display only; may be "")
    content_type: str  # lower-case "type/subtype"
    payload: bytes = field(repr=False)
    sha256: str = ""
    content_id: str = ""
    inline: bool = False

    @property
    def size(self) -> int:
        return len(self.payload)


@dataclass(frozen=True)
class InboundMail:
    message_id: str  # without <>, stripped; "" when the message has none
    sender: Address | None  # From (first address), None when missing or unparseable
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    # Where the server delivered it (Delivered-To, X-Original-To, Envelope-To): the plus-address
    # token of a reply survives there even when a client rewrites To.
    delivered_to: tuple[str, ...]
    return_path: str | None  # "" for the null reverse-path "<>", None when absent
    subject: str
    date: datetime | None  # aware, UTC
    in_reply_to: tuple[str, ...]  # message-ids without <>
    references: tuple[str, ...]
    text: str  # the body as plain text (from HTML when there is no text part)
    html: str  # sanitized HTML body, "" when none
    text_from_html: bool
    attachments: tuple[InboundAttachment, ...]
    headers: dict[str, tuple[str, ...]]  # lower-case name -> decoded values, in order
    content_type: str  # top-level, lower-case
    auth_results: tuple[str, ...]  # Authentication-Results values, top (newest) first
    defects: tuple[str, ...]  # readable descriptions of what was wrong with the MIME
    # The bytes as received: a DKIM signature is verified over them, never over our reading.
    raw: bytes = field(default=b"", repr=False, compare=False)
    # Set by intake on a message it deferred (`MessageDeferred`) for as long as it may wait: a
    # trouble that was temporary now counts for good (no DKIM key from DNS: the proof fails).
    last_attempt: bool = field(default=False, compare=False)

    def header(self, name: str) -> str:
        """The first value of a header, or "" (names are case-insensitive)."""
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    @property
    def all_recipients(self) -> tuple[str, ...]:
        """Every address this message was sent to, lower-cased (To, Cc, Delivered-To...)."""
        seen = [a.key for a in self.to + self.cc] + [d.lower() for d in self.delivered_to]
        return tuple(dict.fromkeys(seen))
