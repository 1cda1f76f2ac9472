"""Reading Authentication-Results (RFC 8601) for `require_dmarc`.

Only a header written by our own receiving server counts (its authserv-id is configured as
`[security] trusted_authserv_id`): anyone can put an Authentication-Results header in a message
they send, so headers from other ids are ignored, as RFC 8601 section 5 asks.
"""

from __future__ import annotations

import re

_RESULT = re.compile(r"\b(dkim|dmarc)\s*=\s*([a-z]+)\b(.*?)(?=;|$)", re.IGNORECASE | re.DOTALL)
_PROP = re.compile(r"\bheader\.(d|i|from)\s*=\s*\"?@?([^\s;\"]+)", re.IGNORECASE)
_COMMENT = re.compile(r"\([^()]*\)")


def authserv_id(value: str) -> str:
    """The authserv-id of an Authentication-Results value (without a version or comments)."""
    head = _COMMENT.sub(" ", value).partition(";")[0].split()
    return head[0].split("/")[0] if head else ""


def sender_authenticated(values: tuple[str, ...], trusted_id: str, domain: str) -> bool:
    """True when our server's verdict says dkim=pass or dmarc=pass for `domain` (the From domain).

    Only the topmost header with our authserv-id counts (`values` are newest first): anything
    below it was in the message before our server saw it, so a "pass" a sender wrote in our
    server's name under its real "fail" counts for nothing (RFC 8601 section 5)."""
    domain = domain.lower().rstrip(".")
    ours = next((v for v in values if authserv_id(v) == trusted_id), None)
    if ours is None:
        return False
    results = _COMMENT.sub(" ", ours).partition(";")[2]
    for _method, result, props in _RESULT.findall(results):
        if result.lower() != "pass":
            continue
        for _, value_domain in _PROP.findall(props):
            if value_domain.lower().rpartition("@")[2].rstrip(".") == domain:
                return True
    return False
