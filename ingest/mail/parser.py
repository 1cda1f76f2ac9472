"""Raw RFC 822 bytes → `InboundMail`: `parse_message` is the only public entry point.

Which library does what, and why:
- The MIME structure is parsed ONCE by the standard library (`email.parser.BytesParser` with the
  `compat32` policy). compat32 never raises on access the way `policy.default` does on real mail
  (unknown charsets, group syntax in To:, raw 8-bit headers, multipart/parallel), keeps raw
  header values and payloads untouched, and records structural defects on each part.
- mail-parser (4.8) is used where it adds value and has been hardened: `get_addresses` (address
  headers with structural recovery and a diagnosis of what it repaired) and `parse_mail_date`
  (RFC 5322 dates incl. obsolete forms, with reasons). Its `MailParser` object is NOT used: it
  re-walks and re-decodes every part (1.4x the cost of the parse itself), raised AttributeError on
  5 files of our corpus (epilogue recovery), and is wrong in ways this module must not be:
  * it decodes encoded words with errors="ignore" and an unknown charset silently loses letters
    (`=?x-unknown?Q?caf=E9?=` → "caf", no defect) — see `headers.decode_words`;
  * it passes invalid base64 attachments through still encoded, with no defect — see
    `payloads.decode_transfer`;
  * it names a forwarded message/rfc822 `<random>.txt` and appends its text to the body as well
    (counted twice) — see `mimeparts`.
- Text decoding (`charsets`), HTML sanitizing and HTML→text (`htmltext`, nh3), and filenames
  (`filenames`) are ours.

Nothing but `MessageError` leaves `parse_message`: input that is not mail at all (empty, binary,
no headers) raises it with a readable reason; every other problem becomes a string in `defects`.
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import replace
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32
from pathlib import Path

from dumas.ingest.mail.blobs import Blobs, slim
from dumas.ingest.mail.charsets import scrub_text
from dumas.ingest.mail.headers import (
    delivered_to,
    message_ids,
    parse_addresses,
    parse_header_date,
    read_headers,
    return_path,
)
from dumas.ingest.mail.htmltext import MAX_NESTING, html_to_text, is_too_deep, sanitize_html
from dumas.ingest.mail.inbound import InboundMail
from dumas.ingest.mail.mimeparts import BodyParts, extract
from dumas.workflow.errors import MessageError

log = logging.getLogger(__name__)

MAX_DEFECTS = 100
MAX_MIME_HEADER = 8192
_MIME_FIELD = re.compile(rb"^(content-(?:type|disposition))[ \t]*:", re.I | re.M)
_FIELD_END = re.compile(rb"\r?\n(?![ \t])|\r(?![\n \t])")
_BOM = b"\xef\xbb\xbf"
_LEADING_BLANK_LINES = re.compile(rb"\A(?:[ \t]*(?:\r\n|\n|\r))+")
_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_OBSOLETE_NAME = re.compile(rb"^([!-9;-~]+)[ \t]+:", re.M)
_KNOWN_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "received",
    "return-path",
    "message-id",
    "mime-version",
    "content-type",
    "delivered-to",
    "sender",
    "reply-to",
}
_LEADING_BLANK_TEXT = re.compile(r"\A(?:[ \t]*\n)+")
_WORD_CHARSET = re.compile(r"=\?([^?*\s]+)")
_UNHELPFUL_HINTS = {"utf-8", "utf8", "us-ascii", "ascii"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def parse_message(raw: bytes) -> InboundMail:
    """Parse one raw message. Never raises anything but `MessageError` (not an email at all)."""
    notes: list[str] = []
    try:
        message, blobs = _parse_structure(bytes(raw), notes)
    except MessageError:
        raise
    except Exception as error:  # noqa: BLE001
        _log_failure("the MIME structure", None, error)
        raise MessageError(
            f"internal parser error ({type(error).__name__}) while reading the MIME structure"
        ) from error
    try:
        return replace(_build(message, notes, with_body=True, blobs=blobs), raw=bytes(raw))
    except Exception as error:  # noqa: BLE001 - a bug here must not stop the poll
        _log_failure("the body", message, error)
        notes.append(f"the body could not be read (internal parser error {type(error).__name__})")
    try:
        return replace(_build(message, notes, with_body=False), raw=bytes(raw))
    except Exception as error:  # noqa: BLE001
        _log_failure("the headers", message, error)
        raise MessageError(
            f"internal parser error ({type(error).__name__}) while reading the headers"
        ) from error


def _log_failure(stage: str, message: Message | None, error: Exception) -> None:
    # The exception's text may quote the message, so only its type and location are logged.
    frame = traceback.extract_tb(error.__traceback__)[-1:]
    where = f"{Path(frame[0].filename).name}:{frame[0].lineno}" if frame else "?"
    log.error(
        "parser bug reading %s of message %s: %s at %s",
        stage,
        _message_id_for_log(message),
        type(error).__name__,
        where,
    )


def _parse_structure(raw: bytes, notes: list[str]) -> tuple[Message, Blobs | None]:
    data = _trim(raw, notes)
    if not data[:4096].strip() and not data.strip():  # strip() alone copies a large message
        raise MessageError("the message is empty")
    # Long base64 bodies stay out of the email package (see `blobs`): it would hold each one
    # several times over; the walker decodes them from `data` itself.
    slimmed, blobs = slim(data)
    message: Message | None = _parse_bytes(slimmed, notes)
    if message is not None and not message.keys():
        message = _recover_headers(slimmed, notes)
    if message is None:
        raise MessageError(_not_mail_reason(data))
    return message, blobs


def _trim(raw: bytes, notes: list[str]) -> bytes:
    data = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    match = _LEADING_BLANK_LINES.match(data)
    if match:
        notes.append("blank lines before the headers were ignored")
        data = data[match.end() :]
    return _shorten_mime_headers(data, notes)


def _shorten_mime_headers(data: bytes, notes: list[str]) -> bytes:
    """Cut Content-Type / Content-Disposition fields longer than MAX_MIME_HEADER bytes.

    The email package splits their parameters with string slicing that is quadratic in the
    field's length (3.11: `email.message._parseparam`): one 1.6 MB Content-Type costs ~1.5 s per
    parameter lookup, so a few such fields would stall the poll for minutes. Real ones are a few
    hundred bytes.
    """
    chunks: list[bytes] = []
    position = 0
    for match in _MIME_FIELD.finditer(data):
        if match.start() < position:
            continue
        end = _FIELD_END.search(data, match.end())
        stop = end.start() if end else len(data)
        if stop - match.start() <= MAX_MIME_HEADER:
            continue
        field = data[match.start() : match.start() + MAX_MIME_HEADER]
        cut = field.rfind(b";")
        chunks += [data[position : match.start()], field[:cut] if cut > 0 else field]
        position = stop
        notes.append(
            f"over-long {match.group(1).decode('ascii', 'replace')} header cut to "
            f"{MAX_MIME_HEADER} bytes"
        )
    if not chunks:
        return data
    chunks.append(data[position:])
    return b"".join(chunks)


def _parse_bytes(data: bytes, notes: list[str]) -> Message:
    try:
        return BytesParser(policy=compat32).parsebytes(data)
    except RecursionError:
        message = BytesHeaderParser(policy=compat32).parsebytes(data)
        message.set_payload("")
        notes.append("MIME parts nested too deeply; the body was not read")
        return message


def _recover_headers(data: bytes, notes: list[str]) -> Message | None:
    """Find a header block after a line or two of junk, or with obsolete `Name :` syntax."""
    lines = data[:8192].splitlines(keepends=True)
    for number, line in enumerate(lines[:3]):
        if not _HEADER_LINE.match(line):
            continue
        skipped = sum(len(previous) for previous in lines[:number])
        block = data[skipped:]
        end = re.search(rb"\r?\n\r?\n", block)
        split = end.end() if end else len(block)
        head, repaired = _OBSOLETE_NAME.subn(rb"\1:", block[:split])
        message = _parse_bytes(head + block[split:], notes)
        if {name.lower() for name in message} & _KNOWN_HEADERS:
            if skipped:
                notes.append(f"{skipped} bytes before the headers were ignored")
            if repaired:
                notes.append("obsolete header syntax `Name :` was repaired")
            return message
        return None
    return None


def _not_mail_reason(data: bytes) -> str:
    if data.startswith(_OLE_MAGIC):
        return "not an email message: this is a binary Office file (e.g. an Outlook .msg)"
    if b"\x00" in data[:4096]:
        return "not an email message: binary data without mail headers"
    return "not an email message: no mail headers found"


def _message_id_for_log(message: Message | None) -> str:
    try:
        ids = message_ids(str(message.get("message-id", "") or "")) if message else ()
    except Exception:  # noqa: BLE001 - called while handling another failure
        ids = ()
    return ids[0] if ids else "(no Message-ID)"


def _build(
    message: Message, notes: list[str], with_body: bool, blobs: Blobs | None = None
) -> InboundMail:
    hint = _charset_hint(message)
    decoded, undecoded = read_headers(message, notes, hint)
    _note_missing(decoded, notes)
    body = extract(message, notes, hint, blobs) if with_body else BodyParts()
    text, html, from_html = _body_text(body, notes)

    def first(name: str) -> str:
        values = decoded.get(name)
        return values[0] if values else ""

    ids = message_ids(first("message-id"))
    senders = parse_addresses(undecoded.get("from", []), "From", notes)
    return InboundMail(
        message_id=ids[0] if ids else "",
        sender=senders[0] if senders else None,
        reply_to=parse_addresses(undecoded.get("reply-to", []), "Reply-To", notes),
        to=parse_addresses(undecoded.get("to", []), "To", notes),
        cc=parse_addresses(undecoded.get("cc", []), "Cc", notes),
        delivered_to=delivered_to(undecoded),
        return_path=return_path(decoded.get("return-path", [])),
        subject=first("subject").strip(),
        date=parse_header_date(decoded["date"][0] if "date" in decoded else None, notes),
        in_reply_to=message_ids(" ".join(decoded.get("in-reply-to", []))),
        references=message_ids(" ".join(decoded.get("references", []))),
        text=text,
        html=html,
        text_from_html=from_html,
        attachments=tuple(body.attachments),
        headers={name: tuple(values) for name, values in decoded.items()},
        content_type=message.get_content_type(),
        auth_results=tuple(decoded.get("authentication-results", [])),
        defects=_defects(notes),
    )


def _charset_hint(message: Message) -> str | None:
    """The best guess for raw 8-bit bytes in headers: the charset the sender's software used
    elsewhere — in the first text part, or else in the encoded words of Subject/From."""
    try:
        body = _first_text_charset(message)
        if body and body not in _UNHELPFUL_HINTS:
            return body
        for name in ("subject", "from"):
            match = _WORD_CHARSET.search(str(message.get(name, "")))
            if match and match.group(1).lower() not in _UNHELPFUL_HINTS:
                return match.group(1)
        return body
    except Exception:  # noqa: BLE001 - only a hint
        return None


def _first_text_charset(message: Message) -> str | None:
    stack, seen = [message], 0
    while stack and seen < 20:
        part = stack.pop()
        seen += 1
        if part.is_multipart():  # get_payload() of a list never decodes anything
            stack.extend(reversed([p for p in part.get_payload() if isinstance(p, Message)]))
        elif part.get_content_maintype() == "text":
            return part.get_content_charset()
    return None


def _note_missing(decoded: dict[str, list[str]], notes: list[str]) -> None:
    for name, label in (("from", "From"), ("date", "Date"), ("message-id", "Message-ID")):
        if not any(value.strip() for value in decoded.get(name, [])):
            notes.append(f"no {label} header")


def _body_text(body: BodyParts, notes: list[str]) -> tuple[str, str, bool]:
    """(text, sanitized html, text came from html)."""
    text = "\n\n".join(
        _LEADING_BLANK_TEXT.sub("", part).rstrip() for part in body.plain if part.strip()
    )
    raw_html = "\n".join(part for part in body.html if part.strip())
    if raw_html and is_too_deep(raw_html):
        notes.append(f"HTML nested more than {MAX_NESTING} levels deep; kept as plain text")
    html = sanitize_html(raw_html).strip() if raw_html else ""
    if text.strip() or not html:
        return text, html, False
    return html_to_text(html, sanitized=True), html, True


def _defects(notes: list[str]) -> tuple[str, ...]:
    unique = [scrub_text(note) for note in dict.fromkeys(notes)]
    if len(unique) > MAX_DEFECTS:
        extra = len(unique) - MAX_DEFECTS + 1
        unique = unique[: MAX_DEFECTS - 1] + [f"... and {extra} more defects"]
    return tuple(unique)
