"""Removing the reporter's identity from text that leaves the office.

A complaint's body usually carries the identity itself ("Nama: …", "No. HP …", a signature), so
hiding the name field is not enough when a letter quotes the complaint to another agency. We
remove the known identity values, every value written after an identity label, and anything that
looks like a phone number, an email address or a NIK. Over-redacting a word is a small cost;
leaking a reporter who asked for confidentiality is not. The trade-offs: any 16 digits in a row
or in groups ("Rp 1.500.000.000.000.000") read as a NIK, and a date followed by a time can read
as a phone number when it starts "08" and runs to ten digits; short numbers (dates, TPS numbers,
amounts, postal codes) stay.

Redaction reads text a hostile sender wrote, all of it (nothing may stay unredacted past a cap),
so every scan is linear in the text: a pattern starts only where its run of characters starts
(a lookbehind), and its quantifiers are possessive or bounded, so that no position is read again
by a later attempt. `tests/security/` runs it on a megabyte of hostile text.
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
# Leading blanks of the line only: `\s*` after `^` would run over the following blank lines
# from every line start (quadratic on a text of newlines).
_LABELLED = re.compile(rf"(?im)^([^\S\n]*+(?:{_LABELS})[^\S\n]*+[:=]).*$")
# The address starts where its run of address characters starts, and no quantifier gives back:
# the old `[\w.+-]+@`, tried at every position of a long word, read the rest of it each time.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++")
# What people put between the groups of a number: "-", ".", " ", "(0812) ", " - ".
_GAP = r"(?:[ \t]?[.\-()][ \t]?|[ \t])?"
# An Indonesian mobile number: "+62 812…", "+62-812-…", "+62 (0)812…", "62812…", "0812-…",
# "(0812) 3456 7890". "8" and the next digit are written together, so that "08-12-2026" is a
# date. Letters and digits may not touch it; "_" may ("HP_081234567890.jpg").
_PHONE = re.compile(
    rf"(?<![^\W_])(?<!\+)(?:\+?62{_GAP}(?:0{_GAP})?|\(?0)8\d(?:{_GAP}\d){{6,11}}(?![^\W_])"
)
# A NIK: 16 digits, together or in groups ("3171 0123 4567 8901", "3171.0123.4567.8901").
_NIK = re.compile(r"(?<!\d)\d(?:[ \t.\-]?\d){15}(?!\d)")
# What separates the words of a name in text and in file names ("Budi_Santoso", "budi-santoso").
_SEP = r"[\s_.\-]"
# Known values longer than this are looked for as written (case aside), with a linear search:
# a pattern's attempt may read as far as the value is long, once per word of the text.
_SHORT_VALUE = 100
# A file name's extension: kept as written unless it is itself identity ("foto.budi").
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,8})$")


def redact(text: str, name: str = "", others: tuple[str, ...] = ()) -> str:
    """`text` with the reporter's identity replaced by "[dirahasiakan]".

    `name` is the reporter's name: removed whole and word by word, since people sign with their
    first name only. `others` are further known values (email, phone, address, NIK), removed
    whole: an address shares words with the place of the complaint, which must stay readable.
    Words of a value may be written with "_", "-", "." or nothing between them.
    """
    out = _LABELLED.sub(lambda m: f"{m[1]} {REDACTED}", text)
    # Patterns first: a name word inside an email address must not split it into pieces.
    for pattern in (EMAIL, _NIK, _PHONE):
        out = pattern.sub(REDACTED, out)
    for value in sorted(_values(name, others), key=len, reverse=True):
        out = _redact_value(out, value)
    return out


def redact_filename(filename: str, name: str = "", others: tuple[str, ...] = ()) -> str:
    """A file name without the reporter's identity, its extension kept: "KTP_Budi_Santoso.jpg"
    -> "KTP_[dirahasiakan].jpg". For lists of attachments that outsiders read."""
    m = _EXTENSION.search(filename)
    if not m:
        return redact(filename, name, others)
    stem, extension = filename[: m.start()], m.group(1)
    return f"{redact(stem, name, others)}.{redact(extension, name, others)}"


def _redact_value(text: str, value: str) -> str:
    if len(value) > _SHORT_VALUE:
        return _redact_as_written(text, value)
    words = [w for w in re.split(rf"{_SEP}+", value) if w]
    if not words:
        return text
    joined = f"{_SEP}*+".join(re.escape(w) for w in words)
    # Not inside a longer word or number; "_" is a separator here ("KTP_Budi.jpg").
    return re.sub(rf"(?<![^\W_]){joined}(?![^\W_])", REDACTED, text, flags=re.IGNORECASE)


def _redact_as_written(text: str, value: str) -> str:
    """Every occurrence of `value`, case aside, by `str.find` (linear for any length)."""
    lowered, wanted = _lower(text), _lower(value)
    parts, at = [], 0
    while (found := lowered.find(wanted, at)) >= 0:
        parts += [text[at:found], REDACTED]
        at = found + len(wanted)
    return "".join(parts) + text[at:]


def _lower(text: str) -> str:
    """`text` in lower case, character for character ("İ" lowers to two characters: kept)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# Honorifics and particles in names that are not identifying on their own.
_NOT_NAMES = {"bapak", "bpk", "ibu", "sdr", "sdri", "saudara", "saudari", "dan", "bin", "binti"}


def _values(name: str, others: tuple[str, ...]) -> set[str]:
    name = " ".join(name.split())
    values = {v for v in (" ".join((o or "").split()) for o in (name, *others)) if len(v) >= 3}
    values.update(
        w
        for w in re.split(r"[\s,._-]+", name)
        if len(w) >= 3 and w.lower() not in _NOT_NAMES and not w.isdigit()
    )
    return values
