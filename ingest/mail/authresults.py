"""Reading our own server's Authentication-Results (RFC 8601) for `authentication = "authserv"`.

Anyone can put an Authentication-Results header in a message they send, so only one header
counts: the topmost of the message, and only when it carries our server's authserv-id
(`[replies] authserv_id`). Anything below it was in the message before our server saw it
(RFC 8601 section 5). This is sound only when our server stamps every message it receives:
`dumas doctor` checks that on the newest stored messages. The header is parsed by `authres`, a
real RFC 8601 parser: a `dkim=pass header.d=…` inside a quoted or commented value is a value,
never a result.
"""

from __future__ import annotations

import logging

import authres

log = logging.getLogger(__name__)
_PASSING = ("dkim", "dmarc")


def _parse(value: str) -> authres.AuthenticationResultsHeader | None:
    try:
        return authres.AuthenticationResultsHeader.parse_value(value)
    except Exception as exc:  # noqa: BLE001 - authres.AuthResError and bugs alike: no verdict
        log.info("Authentication-Results unreadable (%s)", type(exc).__name__)
        return None


def authserv_id(value: str) -> str:
    """The authserv-id of an Authentication-Results value ("" when it cannot be read)."""
    header = _parse(value)
    return str(header.authserv_id or "") if header is not None else ""


def stamped_by(values: tuple[str, ...], trusted_id: str) -> bool:
    """True when the topmost Authentication-Results (`values` newest first) is our server's."""
    return bool(values and trusted_id) and authserv_id(values[0]) == trusted_id


def sender_authenticated(values: tuple[str, ...], trusted_id: str, domain: str) -> bool:
    """True when our server's verdict says dkim=pass or dmarc=pass for `domain` (the From domain).

    Only the topmost header counts, and only with our authserv-id (`values` are newest first): a
    "pass" a sender wrote in our server's name, under our server's real verdict or where our
    server wrote none on top, counts for nothing."""
    if not stamped_by(values, trusted_id):
        return False
    header = _parse(values[0])
    if header is None:
        return False
    domain = domain.lower().rstrip(".")
    for result in header.results:
        if str(result.method).lower() not in _PASSING or str(result.result).lower() != "pass":
            continue
        for prop in result.properties:
            if prop.type == "header" and prop.name in ("d", "i", "from"):
                value = str(prop.value).lower().rpartition("@")[2].rstrip(".")
                if value == domain:
                    return True
    return False
