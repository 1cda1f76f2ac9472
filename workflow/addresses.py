"""Comparing an address with the ones the office configured, without look-alikes.

`str.lower()` folds some non-ASCII letters onto ASCII ones (the Kelvin sign K becomes "k", the
dotted capital I becomes "i̇"), so `sekretaris@\u212apu.example` would lower-case to a staff
address. Configured staff addresses are plain ASCII (`dumas.config.settings` refuses others), so
an address matches one of them only when it is plain ASCII itself, lower-cased letter by letter
within ASCII.
"""

from __future__ import annotations

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def lower_ascii(address: str) -> str:
    """`address` stripped, with only A-Z lower-cased: a look-alike keeps its own letters."""
    return address.strip().translate(_ASCII_LOWER)


def staff_key(address: str) -> str:
    """The form to compare with configured staff addresses; "" (matches nothing) when the
    address holds any non-ASCII character."""
    key = lower_ascii(address)
    return key if key.isascii() else ""


def domain_of(address: str) -> str:
    """The part after the last "@" of a staff key ("" when there is none)."""
    return address.rpartition("@")[2] if "@" in address else ""


# Mail providers anyone can sign up with: a staff member's address there makes its domain no
# office domain (DELEGASI to any of their users would otherwise be allowed), and its DKIM proves
# the mailbox only. Lower case; an office may still list one in `[roles] delegate_domains`.
PUBLIC_MAIL_PROVIDERS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.id",
        "ymail.com",
        "rocketmail.com",
        "outlook.com",
        "outlook.co.id",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "tutanota.com",
    }
)


def is_public_provider(domain: str) -> bool:
    return domain.lower().rstrip(".") in PUBLIC_MAIL_PROVIDERS


# Mailboxes that ignore dots in the local part: b.u.d.i@gmail.com is budi@gmail.com.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def normal_address(address: str) -> str:
    """The mailbox an address reaches, for rate limits: lower case, no `+tag`, and for Gmail no
    dots (`Budi.Santoso+promo@googlemail.com` → `budisantoso@gmail.com`). Only for counting:
    mail still goes to the address as written. Here, not in `notify/`, because the outbox's
    stored form (`OutboxMessage.to_normal`) is written by a migration too."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return domain
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"
