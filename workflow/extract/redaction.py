"""Removing the reporter's identity from text that leaves the office.

A complaint's body usually carries the identity itself ("Nama: …", "No. HP …", a signature), so
hiding the name field is not enough when a letter quotes the complaint to another agency. We
remove the known identity values, every value written after an identity label, and anything that
looks like a phone number, an email address or a NIK. Over-redacting a word is a small cost;
leaking a reporter who asked for confidentiality is not.
"""

from __future__ import annotations

import re

REDACTED = "[dirahasiakan]"
DIRAHASIAKAN = "Dirahasiakan"

_LABELS = (
    r"nama(?:\s+lengkap)?|nik|no\.?\s*ktp|nomor\s+ktp|alamat(?:\s+lengkap)?|"
    r"no\.?\s*(?:hp|telp|telepon|wa)|nomor\s+(?:hp|telepon|wa|whatsapp)|hp|telp|telepon|"
    r"wa|whatsapp|e-?mail|surel|pekerjaan|tempat(?:,|\s+dan)?\s+tanggal\s+lahir|ttl"
)
_LABELLED = re.compile(rf"(?im)^(\s*(?:{_LABELS})\s*[:=]).*$")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)(?:\+?62|0)[\s.-]?8(?:[\s.-]?\d){7,12}(?!\w)")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")


def redact(text: str, name: str = "", others: tuple[str, ...] = ()) -> str:
    """`text` with the reporter's identity replaced by "[dirahasiakan]".

    `name` is the reporter's name: removed whole and word by word, since people sign with their
    first name only. `others` are further known values (email, phone, address, NIK), removed
    whole: an address shares words with the place of the complaint, which must stay readable.
    """
    out = _LABELLED.sub(lambda m: f"{m[1]} {REDACTED}", text)
    # Patterns first: a name word inside an email address must not split it into pieces.
    for pattern in (_EMAIL, _PHONE, _NIK):
        out = pattern.sub(REDACTED, out)
    for value in sorted(_values(name, others), key=len, reverse=True):
        out = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", REDACTED, out, flags=re.IGNORECASE)
    return out


# Honorifics and particles in names that are not identifying on their own.
_NOT_NAMES = {"bapak", "bpk", "ibu", "sdr", "sdri", "saudara", "saudari", "dan", "bin", "binti"}


def _values(name: str, others: tuple[str, ...]) -> set[str]:
    name = " ".join(name.split())
    values = {v for v in (" ".join((o or "").split()) for o in (name, *others)) if len(v) >= 3}
    values.update(
        w
        for w in re.split(r"[\s,.]+", name)
        if len(w) >= 3 and w.lower() not in _NOT_NAMES and not w.isdigit()
    )
    return values
