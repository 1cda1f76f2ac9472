"""Reading the configuration's email addresses, so that a value that would make mail fail is
refused at start-up instead of failing every email later.

Most people write a From as `Name <address>`; `[smtp] from` accepts that and splits it into the
display name (the From header's) and the address (the envelope sender's and the Message-ID's
domain). Everything else is refused here, naming the key: no `@`, two addresses, a non-ASCII
address (no SMTPUTF8: smtplib and most relays would refuse it), a line break, text the
standard's parser could only guess at.
"""

from __future__ import annotations

import re
from email import errors, policy

from dumas.notify.mime import address_list
from dumas.workflow.errors import ConfigError

# A domain as DNS and every relay accept it: ASCII labels of letters, digits and hyphens.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def parse_mailbox(value: str, key: str) -> tuple[str, str]:
    """`"Name <local@domain>"` or `"local@domain"` → (display name or "", address).

    `key` names the setting in the error ("[smtp] from").
    """
    if any(c in value for c in "\r\n\0"):
        raise ConfigError(f"{key} must be on one line")
    if not value.strip():
        raise ConfigError(f"{key} is empty: it needs an email address")
    try:
        header = policy.default.header_factory("From", value)
    except (IndexError, ValueError, TypeError) as exc:  # the stdlib parser's edge cases
        raise ConfigError(f"{key} = {value!r} is not an email address") from exc
    # An obsolete form (an unquoted "Kab." in the name) is read unambiguously; any other defect
    # means the parser guessed.
    defects = [d for d in header.defects if not isinstance(d, errors.ObsoleteHeaderDefect)]
    if defects:
        raise ConfigError(f"{key} = {value!r} is not an email address ({defects[0]})")
    if len(header.addresses) != 1 or any(g.display_name for g in header.groups):
        raise ConfigError(f"{key} = {value!r} must be one address, not {len(header.addresses)}")
    [mailbox] = header.addresses
    if not mailbox.username or not mailbox.domain:
        raise ConfigError(f"{key} = {value!r} is not an email address (no local@domain)")
    if not mailbox.addr_spec.isascii():
        raise ConfigError(f"{key} = {value!r}: the address must be written in plain ASCII")
    if not _DOMAIN.fullmatch(mailbox.domain):
        raise ConfigError(f"{key} = {value!r}: {mailbox.domain!r} is not a valid domain")
    try:
        # The very check the sender makes on every message (a quoted local part, a domain
        # without a dot): refused now rather than at each send.
        address_list([mailbox.addr_spec])
    except ValueError as exc:
        raise ConfigError(f"{key} = {value!r} cannot be used to send mail ({exc})") from exc
    return mailbox.display_name.strip(), mailbox.addr_spec


def parse_address(value: str, key: str) -> str:
    """A bare address (`local@domain`, no display name), checked as `parse_mailbox` does."""
    name, address = parse_mailbox(value, key)
    if name or "<" in value:
        raise ConfigError(f"{key} = {value!r}: write the address alone, without a name")
    return address
