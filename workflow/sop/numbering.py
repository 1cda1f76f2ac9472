"""Registration numbers ("001/PGD/XI/2026") and the case tag in subjects ("[PGD 001/XI/2026]").

The number comes from a configurable pattern (`[numbering] pattern`) with the fields `{seq}`,
`{year}`, `{month}`, `{month_roman}` and `{tag}`; the sequence restarts each year (allocating the
next one in the database is the registration's job, not this module's). The case tag is the
number without its tag segment, behind the tag: "001/PGD/XI/2026" -> "[PGD 001/XI/2026]".
"""

from __future__ import annotations

import base64
import hashlib
import re
import string
from datetime import datetime

DEFAULT_PATTERN = "{seq:03d}/PGD/{month_roman}/{year}"
DEFAULT_TAG = "PGD"
_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def to_roman(number: int) -> str:
    """Roman numerals, as Indonesian letter numbers write months (11 -> "XI"); 1..3999."""
    if not isinstance(number, int) or not 1 <= number <= 3999:
        raise ValueError(f"cannot write {number!r} in Roman numerals (1..3999)")
    out = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def format_number(
    pattern: str, seq: int, received_at_local: datetime, tag: str = DEFAULT_TAG
) -> str:
    """The registration number for the `seq`-th complaint of the year.

    `received_at_local` must already be in the office's zone (WIB): a complaint received at
    00:30 WIB on 1 January belongs to the new year even though it is still December in UTC.
    """
    if seq < 1:
        raise ValueError(f"sequence numbers start at 1, not {seq}")
    month = received_at_local.month
    return pattern.format(
        seq=seq, year=received_at_local.year, month=month, month_roman=to_roman(month), tag=tag
    )


def case_tag(number: str, tag: str = DEFAULT_TAG) -> str:
    """The subject tag for a number: "001/PGD/XI/2026" -> "[PGD 001/XI/2026]"."""
    return f"[{tag} {_tag_body(number, tag)}]"


def _tag_body(number: str, tag: str) -> str:
    parts = number.split("/")
    kept = [p for p in parts if p.upper() != tag.upper()]
    return "/".join(kept) if kept else number


def find_case_tag(subject: str, tag: str = DEFAULT_TAG) -> str | None:
    """The body of the first case tag in a subject ("001/XI/2026"), or None.

    Tolerates what mail clients and people do to subjects: any "Re:/AW:/Fwd:/Balas:" prefixes,
    other bracketed tags, changed case ("[pgd 001/xi/2026]"), extra or folded whitespace
    ("[PGD  001 / XI / 2026]"), a colon or hash after the tag, and — as a last resort — lost
    brackets ("PGD 001/XI/2026"). The result is normalised: no spaces, Roman months upper-case.
    """
    if not subject:
        return None
    t, part = re.escape(tag), r"[0-9A-Za-z][0-9A-Za-z.-]*"
    bracketed = rf"[\[(]\s*{t}\s*[:#\-]?\s*(?P<body>{part}(?:\s*/\s*{part})*)\s*[\])]"
    # Without brackets only a number with "/" parts counts, so "Laporan PGD 2026" is no tag.
    bare = rf"(?<![\w/]){t}\s*[:#\-]?\s*(?P<body>{part}(?:\s*/\s*{part})+)(?![\w/])"
    for rx in (bracketed, bare):
        for m in re.finditer(rx, subject, re.IGNORECASE):
            found = re.sub(r"\s+", "", m.group("body")).upper()
            if re.search(r"\d", found):
                return found
    return None


def number_from_tag(body: str, pattern: str = DEFAULT_PATTERN, tag: str = DEFAULT_TAG) -> str:
    """The registration number back from a tag body, for looking the case up:
    "001/XI/2026" -> "001/PGD/XI/2026" with the default pattern. Works for any pattern whose
    tag is one "/"-separated segment (or that has no tag segment at all)."""
    probe = pattern.format(seq=1, year=2026, month=11, month_roman="XI", tag=tag).split("/")
    where = next((i for i, p in enumerate(probe) if p.upper() == tag.upper()), None)
    parts = body.split("/")
    if where is None or len(parts) != len(probe) - 1:
        return body
    return "/".join(parts[:where] + [tag] + parts[where:])


# --- outgoing letters (surat keluar) ----------------------------------------------------------

# A letter number ("007/PP.04-SD/1309/2026") has its own yearly sequence, separate from the
# registration numbers: the office's agenda of outgoing letters counts letters, not complaints.
DEFAULT_LETTER_PATTERN = "{seq:03d}/PP.04-SD/1309/{year}"
LETTER_FIELDS = ("seq", "year", "month", "month_roman")


def check_letter_pattern(pattern: str) -> None:
    """Raise ValueError naming what is wrong: an unknown placeholder, a broken format, no {seq}.

    Checked when the configuration is loaded, so a typo (`{yaer}`) stops startup instead of
    failing the first approval."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        raise ValueError(f"not a valid pattern ({exc})") from None
    unknown = sorted({n for n in names if n not in LETTER_FIELDS})
    if unknown:
        raise ValueError(
            f"unknown placeholder(s) {', '.join('{' + n + '}' for n in unknown)}; "
            f"known: {', '.join('{' + n + '}' for n in LETTER_FIELDS)}"
        )
    if "seq" not in names:
        raise ValueError("it must contain {seq}")
    try:
        format_letter_number(pattern, 1, datetime(2026, 11, 1))
    except (KeyError, ValueError, IndexError) as exc:
        raise ValueError(f"not a valid pattern ({exc})") from None


def format_letter_number(pattern: str, seq: int, approved_at_local: datetime) -> str:
    """The number of the `seq`-th letter of the year of `approved_at_local` (office zone)."""
    if seq < 1:
        raise ValueError(f"sequence numbers start at 1, not {seq}")
    month = approved_at_local.month
    return pattern.format(
        seq=seq, year=approved_at_local.year, month=month, month_roman=to_roman(month)
    )


def verification_code(number: str, case_number: str, approver: str, approved_at: datetime) -> str:
    """A short code printed on the letter, to look it up again (`dumas verify KODE`).

    Ten base32 characters of a SHA-256 over what the approval was: not a secret (anyone holding
    the letter can read it), a reference that a clerk can type and that changes when any of the
    four changes. The PDF's own SHA-256, stored when rendered, is what proves the bytes."""
    text = "\n".join((number, case_number, approver.lower(), approved_at.isoformat()))
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii")[:10]
