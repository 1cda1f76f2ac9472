"""Reading words the way people type them in a reply: case, accents and spacing do not matter.

A phrase matches the start of a text when the text's first words, joined, spell the phrase's
words joined: "tidak dapat ditindaklanjuti", "Tidak dapat di-tindaklanjuti" and
"TIDAK DAPAT DITINDAK LANJUTI" all match, "lengkapnya" does not match "lengkap". What follows the
phrase, without leading punctuation (":", "-", "–"), is the rest — as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

# The line our emails put above the quoted text: the reply reader never reads below it.
REPLY_MARKER = "-- Balas di atas garis ini / Reply above this line --"

_WORD = re.compile(r"[^\W_]+")
_LEAD = " \t:;,.=*-–—>"
_MONTHS = {
    1: ("januari", "jan", "january"),
    2: ("februari", "feb", "pebruari", "february"),
    3: ("maret", "mar", "march"),
    4: ("april", "apr"),
    5: ("mei", "may"),
    6: ("juni", "jun", "june"),
    7: ("juli", "jul", "july"),
    8: ("agustus", "agu", "agt", "ags", "aug", "august"),
    9: ("september", "sep", "sept"),
    10: ("oktober", "okt", "oct", "october"),
    11: ("november", "nov", "nopember"),
    12: ("desember", "des", "dec", "december"),
}
_MONTH_BY_NAME = {name: m for m, names in _MONTHS.items() for name in names}


def fold(text: str) -> str:
    """Lower case without accents: "DISPOSİSİ Hukúm" -> "disposisi hukum"."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def key(phrase: str) -> str:
    """A phrase's letters and digits, folded and joined: the form phrases are compared in."""
    return "".join(_WORD.findall(fold(phrase)))


def words(text: str) -> list[tuple[str, int]]:
    """The folded words of `text`, each with the index in `text` just after it."""
    out: list[tuple[str, int]] = []
    current, end = "", 0
    for i, c in enumerate(text):
        f = fold(c)
        if f and all(_WORD.fullmatch(x) for x in f):
            current, end = current + f, i + 1
        elif not f and current:  # a combining accent written as its own character
            end = i + 1
        elif current:
            out.append((current, end))
            current = ""
    if current:
        out.append((current, end))
    return out


def rest_after(text: str, end: int) -> str:
    return text[end:].lstrip(_LEAD).rstrip(" \t*")


@dataclass(frozen=True)
class WordMatch:
    name: str  # the key of the table entry that matched
    rest: str  # what follows, as written
    length: int  # how many letters matched (longer wins)


def match_start(
    text: str, table: Mapping[str, Iterable[str]], max_words: int = 8
) -> WordMatch | None:
    """The entry of `table` (name -> phrases) whose phrase starts `text`; the longest wins."""
    keys = {key(p): name for name, phrases in table.items() for p in phrases if key(p)}
    best: WordMatch | None = None
    joined = ""
    for word, end in words(text)[:max_words]:
        joined += word
        name = keys.get(joined)
        if name is not None and (best is None or len(joined) > best.length):
            best = WordMatch(name, rest_after(text, end), len(joined))
    return best


def strip_words(text: str, phrases: Iterable[str]) -> str:
    """`text` without one leading filler phrase ("ke", "kepada", "sub bagian"...)."""
    m = match_start(text, {"": phrases})
    # Only leading filler goes: a note's closing full stop is part of what was written.
    return m.rest if m else rest_after(text, 0)


def first_paragraph(text: str) -> str:
    """The first block of non-empty lines of `text`, joined with spaces."""
    lines = []
    for line in text.strip().splitlines():
        if not line.strip():
            break
        lines.append(line.strip())
    return " ".join(lines)


def note_of(rest: str, text: str) -> str:
    """A command's note: the rest of its line (`rest`) and the lines directly under it (`text`,
    as the reply reader left it), up to the first blank line, joined with spaces.

    A blank line ends the note even right under a bare command: what follows a paragraph break
    (a closing word, a footer nobody recognised) is not what the person meant as the note.
    """
    lines = []
    for line in [rest, *text.split("\n")] if rest.strip() else text.split("\n"):
        if not line.strip():
            break
        lines.append(line.strip())
    return " ".join(lines)


def read_date(text: str) -> date | None:
    """A date as people write it: 2026-03-31, 31-03-2026, 31/3/2026, 31 Maret 2026, 31 Mar 2026."""
    t = fold(text).strip(_LEAD)
    try:
        if m := re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})\b", t):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.match(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b", t):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := re.match(r"(\d{1,2})\s+([a-z]+)\.?\s+(\d{4})\b", t):
            month = _MONTH_BY_NAME.get(m[2])
            return date(int(m[3]), month, int(m[1])) if month else None
    except ValueError:
        return None
    return None


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
