"""One email's bytes to an `InboundMail`: headers, charsets, MIME parts, HTML to text, safe file
names, Authentication-Results, and the reply reader (what a person wrote above the quote).

`parse_message`, `reply_text` and `first_lines` are loaded on first use: they bring in
mail-parser and nh3, which the CLI's start-up does not need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from dumas.ingest.mail.inbound import Address, InboundAttachment, InboundMail

if TYPE_CHECKING:
    from dumas.ingest.mail.parser import parse_message
    from dumas.ingest.mail.replytext import first_lines, reply_text

_LAZY = {
    "parse_message": "dumas.ingest.mail.parser",
    "reply_text": "dumas.ingest.mail.replytext",
    "first_lines": "dumas.ingest.mail.replytext",
}

__all__ = [
    "Address",
    "InboundAttachment",
    "InboundMail",
    "first_lines",
    "parse_message",
    "reply_text",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
