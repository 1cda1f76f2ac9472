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


def sender_authenticated(values: tuple[str, ...], trusted_id: str, domain: str) -> bool:
    """True when a trusted header says dkim=pass or dmarc=pass for `domain` (the From domain)."""
    domain = domain.lower().rstrip(".")
    for value in values:
        text = _COMMENT.sub(" ", value)
        authserv, _, results = text.partition(";")
        if authserv.split()[:1] != [trusted_id] and authserv.strip().split("/")[0] != trusted_id:
            continue
        for method, result, props in _RESULT.findall(results):
            if result.lower() != "pass":
                continue
            for _, value_domain in _PROP.findall(props):
                found = value_domain.lower().rpartition("@")[2].rstrip(".")
                if found == domain:
                    return True
    return False
