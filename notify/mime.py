"""Turning an outbox row into a MIME message, with the email package's header API.

Every value that reaches a header passes `header_safe()` (CR, LF and other control characters
become spaces) before the email package, which would also refuse them, sees it: a complaint's
subject or a reporter's name can never add a header. Everything carries
`Auto-Submitted: auto-generated` (RFC 3834) so well-behaved auto-responders stay quiet.
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

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
# software writes. Bodies are still encoded (quoted-printable/base64) with short lines.
POLICY = SMTP.clone(max_line_length=998)


def build_message(
    row: OutboxMessage, from_address: str, from_name: str, files: list[tuple[str, str, bytes]]
) -> EmailMessage:
    """The message for `row`; `files` are (filename, content type, bytes) ready to attach."""
    msg = EmailMessage(policy=POLICY)
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
    for filename, content_type, data in files:
        maintype, _, subtype = content_type.partition("/")
        msg.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=header_safe(filename, 200),
        )
    return msg
