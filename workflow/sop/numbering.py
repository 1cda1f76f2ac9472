"""Registration numbers ("001/PGD/XI/2026") and the case tag in subjects ("[PGD 001/XI/2026]").

The number comes from a configurable pattern (`[numbering] pattern`) with the fields `{seq}`,
`{year}`, `{month}`, `{month_roman}` and `{tag}`; the sequence restarts each year (allocating the
next one in the database is the registration's job, not this module's). The case tag is the
number without its tag segment, behind the tag: "001/PGD/XI/2026" -> "[PGD 001/XI/2026]".
"""

from __future__ import annotations

import re
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
