"""Reply tokens: single-use, unguessable, bound to one case, one step, one role.

A token is 26 characters of lower-case base32 (130 bits from `secrets`). Lower case on purpose:
some mail servers and clients fold the local part of an address to lower case, which would break
a mixed-case `token_urlsafe` riding in `pengaduan+TOKEN@...`. Only the token's SHA-256 is stored,
so a copy of the database does not hand out valid tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_LENGTH = 26
_TOKEN_RE = re.compile(r"^[a-z2-7]{%d}$" % TOKEN_LENGTH)
_SUBJECT_TOKEN_RE = re.compile(r"#([a-z2-7]{%d})\b" % TOKEN_LENGTH, re.IGNORECASE)


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower()[:TOKEN_LENGTH]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


def looks_like_token(text: str) -> bool:
    return bool(_TOKEN_RE.match(text))


def plus_address(base: str, token: str) -> str:
    """`pengaduan@kpu.example` + token -> `pengaduan+token@kpu.example`."""
    local, _, domain = base.partition("@")
    return f"{local}+{token}@{domain}"


def plus_tag(address: str, base: str) -> str:
    """The +tag of `address` when it is our base address with one (token or not), else ""."""
    local, _, domain = address.strip().lower().partition("@")
    base_local, _, base_domain = base.lower().partition("@")
    head, plus, tail = local.partition("+")
    return tail if plus and head == base_local and domain == base_domain else ""


def token_from_address(address: str, base: str) -> str:
    """The token in `address` when it is our base address with a +token, else ""."""
    tag = plus_tag(address, base)
    return tag if looks_like_token(tag) else ""


def token_in_subject(subject: str) -> str:
    """The `#token` written into a case tag (used when the server has no plus addressing)."""
    m = _SUBJECT_TOKEN_RE.search(subject or "")
    return m.group(1).lower() if m else ""
