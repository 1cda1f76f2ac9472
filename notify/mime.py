"""Turning an outbox row into a MIME message, with the email package's header API.

Every value that reaches a header passes `header_safe()` (CR, LF and other control characters
become spaces) before the email package, which would also refuse them, sees it: a complaint's
subject or a reporter's name can never add a header. Everything carries
`Auto-Submitted: auto-generated` (RFC 3834) so well-behaved auto-responders stay quiet.

Attachments are never held in memory whole (issue 11 item 4): the email package builds the
message with a one-line placeholder in each attachment's body, and `OutgoingMime.chunks()` writes
that skeleton with each placeholder replaced by the file, read and base64-encoded a slice at a time
into 76-character lines (RFC 2045), the same lines the email package itself would write.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from io import BytesIO
from typing import BinaryIO

from dumas.workflow.errors import StorageError
from dumas.workflow.store.models import OutboxMessage


def header_safe(value: str, limit: int = 900) -> str:
    """One line, no control characters, bounded length."""
    flat = "".join(ch if ch.isprintable() else " " for ch in (value or ""))
    return " ".join(flat.split())[:limit]


_ADDR_SPEC = re.compile(
    r"^[^\s@<>()\[\],;:\\\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def address_list(addresses: list[str]) -> list[Address]:
    """Stored plain addresses to header Address objects; anything but a bare addr-spec is refused
    (a stored address never carries a display name, a comment or a second address)."""
    out = []
    for addr in addresses:
        if not _ADDR_SPEC.match(addr or "") or not addr.isprintable():
            raise ValueError(f"not an email address: {addr!r}")
        out.append(Address(addr_spec=addr))
    return out


# Folding at 78 makes Python's header folder break right after "Subject:" for a long first word,
# which some clients show as a leading space; 998 is RFC 5322's hard limit and what most mail
# software writes. Bodies are encoded (quoted-printable/base64) with short lines.
POLICY = SMTP.clone(max_line_length=998)
# The message is written with POLICY, but its bodies are encoded under this one: the email package
# takes the line length of quoted-printable (and base64) bodies from the message's policy, and
# RFC 2045 wants them at most 76 characters (under POLICY they came out up to 998).
_CONTENT_POLICY = SMTP.clone(max_line_length=76)


# Bytes read per slice: a multiple of 57, so every slice encodes to whole 76-character lines.
_SLICE = 57 * 4096
_LINE = 76


@dataclass(frozen=True)
class AttachedFile:
    """A file to attach, opened only while the message is written."""

    filename: str
    content_type: str
    size: int  # bytes, known before reading (the sender checks its cap on it)
    open: Callable[[], BinaryIO]


def bytes_file(filename: str, content_type: str, data: bytes) -> AttachedFile:
    """An `AttachedFile` for bytes already in memory (small files, tests)."""
    return AttachedFile(filename, content_type, len(data), lambda: BytesIO(data))


class OutgoingMime:
    """An outbox row's message: `message` holds its headers and bodies (an attachment's body is
    a placeholder there); `chunks()` writes it, attachments encoded from their files."""

    def __init__(self, message: EmailMessage, files: list[tuple[bytes, AttachedFile]]):
        self.message = message
        self._files = files

    def skeleton(self, utf8: bool = False) -> bytes:
        """The message with CRLF line ends, each attachment's body still its placeholder line.
        `utf8`: headers in UTF-8 (RFC 6532), for an SMTPUTF8 transaction."""
        out = BytesIO()
        policy = POLICY.clone(utf8=True) if utf8 else POLICY
        BytesGenerator(out, policy=policy).flatten(self.message, linesep="\r\n")
        return out.getvalue()

    def size(self, utf8: bool = False) -> int:
        """The exact length of what `chunks(utf8)` writes, without reading any file."""
        total = len(self.skeleton(utf8))
        for placeholder, f in self._files:
            total += encoded_size(f.size) - len(placeholder)
        return total

    def chunks(self, utf8: bool = False) -> Iterator[bytes]:
        """The message, a slice at a time; at most one slice of a file is in memory. A file
        shorter or longer than its `size` raises `StorageError` (the message must not go out
        cut)."""
        rest = self.skeleton(utf8)
        for placeholder, f in self._files:
            head, found, rest = rest.partition(placeholder)
            if not found:  # cannot happen: the placeholders are ours and unique
                raise ValueError("attachment placeholder missing from the message")
            yield head
            yield from base64_lines(f)
        yield rest

    def as_bytes(self) -> bytes:
        """The whole message in memory: for small messages and tests."""
        return b"".join(self.chunks())


def encoded_size(size: int) -> int:
    """Bytes of `size` bytes in base64, 76-character lines, each ended by CRLF."""
    chars = 4 * -(-size // 3)
    return chars + 2 * -(-chars // _LINE)


def base64_lines(f: AttachedFile) -> Iterator[bytes]:
    """`f`'s content in base64, 76-character lines ended by CRLF, a slice at a time."""
    done = 0
    try:
        with f.open() as fh:
            while slice_ := fh.read(_SLICE):
                done += len(slice_)
                yield base64.encodebytes(slice_).replace(b"\n", b"\r\n")
    except OSError as exc:
        raise StorageError(f"cannot read a file to attach: {exc.strerror}") from exc
    if done != f.size:
        raise StorageError(f"a file to attach has {done} bytes, not {f.size}")


def build_message(
    row: OutboxMessage, from_address: str, from_name: str, files: Sequence[AttachedFile]
) -> OutgoingMime:
    """The message for `row`, with `files` attached (read only when it is written)."""
    msg = EmailMessage(policy=_CONTENT_POLICY)
    msg["From"] = Address(display_name=header_safe(from_name, 200), addr_spec=from_address)
    msg["To"] = address_list(row.to_addrs)
    if row.cc_addrs:
        msg["Cc"] = address_list(row.cc_addrs)
    if row.reply_to:
        msg["Reply-To"] = address_list([row.reply_to])
    msg["Subject"] = header_safe(row.subject)
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = header_safe(row.message_id)
    if row.in_reply_to:
        msg["In-Reply-To"] = header_safe(row.in_reply_to)
        refs = dict.fromkeys(f"{row.references} {row.in_reply_to}".split())
        msg["References"] = header_safe(" ".join(refs), 4000)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"  # asks Exchange not to answer with OOF replies
    msg["X-Dumas-Outbox"] = str(row.id)
    # Quoted-printable: 7-bit safe through any relay, and short lines whatever the text.
    msg.set_content(row.body_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html", charset="utf-8", cte="quoted-printable")
    nonce, placed = secrets.token_hex(16), []
    for n, f in enumerate(files):
        maintype, _, subtype = f.content_type.partition("/")
        msg.add_attachment(
            b"",  # sets the headers (base64, the filename encoded as needed); the body is ours
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=header_safe(f.filename, 200),
        )
        # Base64's alphabet and random: no body text or header can hold it by chance.
        marker = f"DUMASFILE{nonce}N{n}"
        *_, part = msg.iter_attachments()  # the one just added
        part.set_payload(marker + "\n")
        placed.append(((marker + "\r\n").encode("ascii"), f))
    return OutgoingMime(msg, placed)
