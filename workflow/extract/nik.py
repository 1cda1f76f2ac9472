"""The NIK (Nomor Induk Kependudukan, the number on the KTP) and a shape check.

A NIK is 16 digits: PP KK CC DDMMYY SSSS — province, regency/city, district (the Kemendagri
area codes), the date of birth (day + 40 for women) and a serial. `nik_is_plausible` checks
exactly that shape: a province code that exists, non-zero regency and district codes, a real
day-of-month for the month (29 February allowed: the century is unknown), a non-zero serial.
It cannot tell whether the number was really issued; it catches typos and numbers that are not
a NIK at all (a phone number, an account number).
"""

from __future__ import annotations

import re

PROVINCE_CODES = frozenset(
    {
        11,
        12,
        13,
        14,
        15,
        16,
        17,
        18,
        19,
        21,
        31,
        32,
        33,
        34,
        35,
        36,
        51,
        52,
        53,
        61,
        62,
        63,
        64,
        65,
        71,
        72,
        73,
        74,
        75,
        76,
        81,
        82,
        91,
        92,
        93,
        94,
        95,
        96,
    }
)
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# A 16-digit number possibly written in groups ("1309 0812 0890 0002", "1309.081208.900002").
_WRITTEN = re.compile(r"(?<![\d])\d(?:[\s.\-]?\d){15}(?![\d])")


def nik_is_plausible(nik: str) -> bool:
    """True when `nik` (digits only) has the shape of a real NIK (see the module docstring)."""
    if not re.fullmatch(r"\d{16}", nik or ""):
        return False
    province, regency, district = int(nik[0:2]), int(nik[2:4]), int(nik[4:6])
    day, month, serial = int(nik[6:8]), int(nik[8:10]), int(nik[12:16])
    if province not in PROVINCE_CODES or regency == 0 or district == 0 or serial == 0:
        return False
    if day > 40:
        day -= 40
    return 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month - 1]


def find_nik(text: str) -> str:
    """The first plausible NIK written in `text` (separators allowed), digits only, or ""."""
    for m in _WRITTEN.finditer(text or ""):
        digits = re.sub(r"\D", "", m.group())
        if nik_is_plausible(digits):
            return digits
    return ""
