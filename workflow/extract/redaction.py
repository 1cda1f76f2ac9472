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

Matching reads a normalised view of the text (compatibility forms such as full-width digits and
"＠" folded, accents and zero-width characters dropped, curly apostrophes and dashes folded,
NBSP and other spaces read as a space), so "Ma’ruf", "André" written decomposed or as "Andre",
"0812–3456–7890" and "３１７１…" are found; the replacement is made in the original text, through
a map from the view's positions back to the text's, so what is not redacted stays as written.
Landlines are redacted when their area code is in brackets ("(021) 5551234"), anywhere; an
unlabelled "021-5551234" stays, as it reads like the case's numbers. File names are read with
their "%XX" decoded; a redacted file name is returned decoded.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

REDACTED = "[dirahasiakan]"
DIRAHASIAKAN = "Dirahasiakan"

_LABELS = (
    r"nama(?:\s+lengkap|[^\S\n]+pelapor|[^\S\n]+saya)?|nik|no\.?\s*ktp|nomor\s+ktp|"
    r"identitas(?:[^\S\n]+(?:diri|pelapor))?|data[^\S\n]+(?:diri|pelapor)|"
    r"alamat(?:\s+lengkap)?|"
    r"no\.?\s*(?:hp|telp|telepon|wa)|nomor\s+(?:hp|telepon|wa|whatsapp)|hp|telp|telepon|"
    r"wa|whatsapp|e-?mail|surel|pekerjaan|tempat(?:,|\s+dan)?\s+tanggal\s+lahir|ttl"
)
# Leading blanks of the line only: `\s*` after `^` would run over the following blank lines
# from every line start (quadratic on a text of newlines).
_LABELLED = re.compile(rf"(?im)^([^\S\n]*+(?:{_LABELS})[^\S\n]*+[:=]).*$")
# The address starts where its run of address characters starts, and no quantifier gives back:
# the old `[\w.+-]+@`, tried at every position of a long word, read the rest of it each time.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)++")
# For redaction, the local part is RFC 5322 atext ("budi'o", "budi%kpu") and "@" may be written
# "[at]" or "(at)", "." "[dot]" or "(dot)". Same rule: it starts only where its run starts.
_ATEXT = r"[\w!#$%&'*+/=?^`{|}~.-]"
_SPELLED_AT = r"[^\S\n]*+[\[(]at[\])][^\S\n]*+"
_SPELLED_DOT = r"[^\S\n]*+[\[(]dot[\])][^\S\n]*+"
_EMAIL_ANY = re.compile(
    rf"(?<!{_ATEXT}){_ATEXT}++(?:@|{_SPELLED_AT})[\w-]++(?:(?:\.|{_SPELLED_DOT})[\w-]++)++",
    re.IGNORECASE,
)
# What people put between the groups of a number: "-", ".", " ", "(0812) ", " - ".
_GAP = r"(?:[ \t]?[.\-()][ \t]?|[ \t])?"
# An Indonesian mobile number: "+62 812…", "0062 812…", "+62-812-…", "+62 (0)812…", "62812…",
# "0812-…", "(0812) 3456 7890". "8" and the next digit are written together, so that "08-12-2026"
# is a date. Letters and digits may not touch it; "_" may ("HP_081234567890.jpg").
_PHONE = re.compile(
    rf"(?<![^\W_])(?<!\+)(?:(?:\+|00)?62{_GAP}(?:0{_GAP})?|\(?0)8\d(?:{_GAP}\d){{6,11}}(?![^\W_])"
)
# A landline with its area code in brackets: "(021) 5551234", "(0751) 555-1234".
_LANDLINE = re.compile(r"(?<![^\W_])\(0[1-9]\d{1,2}\)[ \t]?\d{3,4}[ \t.\-]?\d{3,5}(?![^\W_])")
# A NIK: 16 digits, together or in groups ("3171 0123 4567 8901", "3171.0123.4567.8901",
# "3171/0123/…", "3171  0123  …"). The gap never gives back: it must end at the next digit.
_NIK = re.compile(r"(?<!\d)\d(?:(?:[ \t]?[./\-][ \t]?|[ \t]{1,3})?+\d){15}(?!\d)")
# What separates the words of a name in text and in file names ("Budi_Santoso", "budi-santoso").
_SEP = r"[\s_.\-]"
# Known values longer than this are looked for as written (case aside), with a linear search:
# a pattern's attempt may read as far as the value is long, once per word of the text.
_SHORT_VALUE = 100
# A file name's extension: kept as written unless it is itself identity ("foto.budi").
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,8})$")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")

# Characters read as another before normalisation: apostrophes and dashes.
_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u02b9\u00b4\uff07", "'"),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    }
)

_Span = tuple[int, int, str]


def redact(text: str, name: str = "", others: tuple[str, ...] = ()) -> str:
    """`text` with the reporter's identity replaced by "[dirahasiakan]".

    `name` is the reporter's name: removed whole and word by word, since people sign with their
    first name only. `others` are further known values (email, phone, address, NIK), removed
    whole: an address shares words with the place of the complaint, which must stay readable.
    Words of a value may be written with "_", "-", "." or nothing between them.
    """
    view, positions = _normalised(text)
    spans: list[_Span] = [(m.end(1), m.end(), f" {REDACTED}") for m in _LABELLED.finditer(view)]
    for pattern in (_EMAIL_ANY, _NIK, _PHONE, _LANDLINE):
        spans += [(m.start(), m.end(), REDACTED) for m in pattern.finditer(view)]
    for value in _values(name, others):
        spans += _value_spans(view, value)
    return _replace(text, positions, spans)


def redact_filename(filename: str, name: str = "", others: tuple[str, ...] = ()) -> str:
    """A file name without the reporter's identity, its extension kept: "KTP_Budi_Santoso.jpg"
    -> "KTP_[dirahasiakan].jpg". For lists of attachments that outsiders read. "%XX" is read
    decoded ("Budi%20Santoso.jpg"); the name comes back decoded if anything was redacted."""
    if _PERCENT.search(filename):
        decoded = unquote(filename, errors="replace")
        hidden = _redact_filename(decoded, name, others)
        return filename if hidden == decoded else hidden
    return _redact_filename(filename, name, others)


def _redact_filename(filename: str, name: str, others: tuple[str, ...]) -> str:
    m = _EXTENSION.search(filename)
    if not m:
        return redact(filename, name, others)
    stem, extension = filename[: m.start()], m.group(1)
    return f"{redact(stem, name, others)}.{redact(extension, name, others)}"


@lru_cache(maxsize=4096)
def _fold(c: str) -> str:
    """What one non-ASCII character reads as in the normalised view (may be "" or several)."""
    c = c.translate(_FOLD)
    if unicodedata.category(c) == "Cf":  # zero-width space and joiners, soft hyphen, BOM
        return ""
    return "".join(
        x for x in unicodedata.normalize("NFKD", c) if unicodedata.category(x) not in ("Mn", "Me")
    )


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """The view matching reads, and for each of its characters the position in `text` it comes
    from (plus `len(text)` at the end); None when the view is `text` itself."""
    if text.isascii():
        return text, None
    parts: list[str] = []
    positions: list[int] = []
    for i, c in enumerate(text):
        if c.isascii():
            parts.append(c)
            positions.append(i)
        else:
            folded = _fold(c)
            parts.append(folded)
            positions.extend([i] * len(folded))
    positions.append(len(text))
    return "".join(parts), positions


def _replace(text: str, positions: list[int] | None, spans: list[_Span]) -> str:
    """`text` with the spans of its view replaced; overlapping or touching spans become one,
    with the replacement of the one that starts first."""
    if not spans:
        return text
    merged: list[_Span] = []
    for start, end, replacement in sorted(spans, key=lambda s: (s[0], -s[1])):
        if positions is not None:
            start, end = _original(positions, start, end)
        if merged and start <= merged[-1][1]:
            first, last, kept = merged[-1]
            merged[-1] = (first, max(last, end), kept)
        else:
            merged.append((start, end, replacement))
    parts, at = [], 0
    for start, end, replacement in merged:
        parts += [text[at:start], replacement]
        at = end
    return "".join(parts) + text[at:]


def _original(positions: list[int], start: int, end: int) -> tuple[int, int]:
    """The span of `text` behind the view's [start, end): characters the view dropped after its
    last character (an accent written apart) go with it."""
    if end == start:
        return positions[start], positions[start]
    if positions[end] == positions[end - 1]:  # ends inside what one character became
        return positions[start], positions[end - 1] + 1
    return positions[start], positions[end]


def _value_spans(view: str, value: str) -> list[_Span]:
    if len(value) > _SHORT_VALUE:
        return _spans_as_written(view, value)
    words = [w for w in re.split(rf"{_SEP}+", value) if w]
    if not words:
        return []
    # An apostrophe in the name may be left out ("Ma'ruf", "Maruf").
    joined = f"{_SEP}*+".join(re.escape(w).replace("'", "'?+") for w in words)
    # Not inside a longer word or number; "_" is a separator here ("KTP_Budi.jpg").
    found = re.finditer(rf"(?<![^\W_]){joined}(?![^\W_])", view, flags=re.IGNORECASE)
    return [(m.start(), m.end(), REDACTED) for m in found]


def _spans_as_written(view: str, value: str) -> list[_Span]:
    """Every occurrence of `value`, case aside, by `str.find` (linear for any length)."""
    lowered, wanted = _lower(view), _lower(value)
    spans: list[_Span] = []
    at = 0
    while (found := lowered.find(wanted, at)) >= 0:
        spans.append((found, found + len(wanted), REDACTED))
        at = found + len(wanted)
    return spans


def _lower(text: str) -> str:
    """`text` in lower case, character for character ("İ" lowers to two characters: kept)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# Honorifics and particles in names that are not identifying on their own.
_NOT_NAMES = {"bapak", "bpk", "ibu", "sdr", "sdri", "saudara", "saudari", "dan", "bin", "binti"}


MIN_HANDLE = 4  # shorter mailbox names ("adi@…") are words of ordinary text


def _values(name: str, others: tuple[str, ...]) -> set[str]:
    """The known values as the normalised view reads them."""
    name = " ".join(_normalised(name)[0].split())
    others = tuple(_normalised(o or "")[0] for o in others)
    values = {v for v in (" ".join((o or "").split()) for o in (name, *others)) if len(v) >= 3}
    # An email address's mailbox name is a handle people reuse ("IG @kpuwatch77", "kpuwatch77 at
    # gmail dot com", "kpuwatch77.jpg"): removed on its own when it is long enough to be theirs.
    values.update(
        local
        for o in others
        if "@" in o and len(local := o.rpartition("@")[0].strip()) >= MIN_HANDLE
    )
    values.update(
        w
        for w in re.split(r"[\s,._-]+", name)
        if len(w) >= 3 and w.lower() not in _NOT_NAMES and not w.isdigit()
    )
    return values
