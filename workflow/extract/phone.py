"""Indonesian phone / WhatsApp numbers, written any way, to one canonical form.

Canonical form: E.164 without separators, "+62" then the national significant number —
"0812-6612-3456", "62 812 6612 3456", "+62 (0)812.6612.3456" all become "+6281266123456".
Plausible national numbers: mobile 8xx with 9-12 digits; fixed lines (area code 2..9, e.g. 759
for Mentawai) with 8-11 digits. A number that starts with "+" and another country code is kept
as "+<digits>" when it has 8-15 digits. Anything else is not a phone number ("").
"""

from __future__ import annotations

import re

# A run of digits with the separators people put in phone numbers (no letters, no slash).
RUN = r"\+?\(?\d[\d \t().\-]{5,24}\d"
_RUN = re.compile(RUN)


def normalize_phone(raw: str) -> str:
    """The canonical "+62..." form of one written number, or "" when it is not plausible."""
    raw = (raw or "").strip()
    plus = raw.startswith("+")
    raw = re.sub(r"\(\s*0\s*\)", "", raw)  # "+62 (0)812..." carries a trunk 0 that must go
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("62"):
        national = digits[2:].lstrip("0")
    elif digits.startswith("0"):
        national = digits[1:]
    elif plus:
        return "+" + digits if 8 <= len(digits) <= 15 else ""
    elif digits.startswith("8"):
        national = digits
    else:
        return ""
    return "+62" + national if _plausible_national(national) else ""


def _plausible_national(n: str) -> bool:
    if not n or not n[0].isdigit() or n[0] in "01":
        return False
    if n[0] == "8":
        return 9 <= len(n) <= 12
    return 8 <= len(n) <= 11


def find_phone(text: str) -> str:
    """The first plausible number in `text` (a labelled value or a phrase), canonical, or "".

    A run of digits that is part of a longer number (a 16-digit NIK, an account number) is not
    a phone number; when two numbers are written side by side the longest valid prefix wins.
    """
    for m in _RUN.finditer(text or ""):
        before = text[m.start() - 1 : m.start()]
        if before.isdigit():
            continue
        found = _longest_valid_prefix(m.group())
        if found:
            return found
    return ""


def phone_from_run(run: str) -> str:
    """The canonical number at the start of a run of digits and separators, or ""."""
    return _longest_valid_prefix(run)


def _longest_valid_prefix(run: str) -> str:
    groups = [g for g in re.split(r"[\s().\-]+", run) if g]
    best = ""
    for k in range(1, len(groups) + 1):
        plus = "+" if run.startswith("+") else ""
        candidate = plus + "".join(g.lstrip("+") for g in groups[:k])
        phone = normalize_phone(candidate)
        if phone:
            best = phone
    # A single unbroken run that is too long (a NIK) has no valid prefix: never cut digits.
    return best
