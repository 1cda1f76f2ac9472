"""How documents write dates, times, sizes and untrusted text, the Indonesian way.

`16 November 2026`, `Senin, 16 November 2026`, `09.15 WIB`, `1,2 MB`: the conventions of Indonesian
official writing (PUEBI: a dot between hours and minutes, a decimal comma).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, tzinfo

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
# The three Indonesian zones have official abbreviations; other zones keep their own name.
ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

# C0/C1 control characters except tab and newline, and the Unicode bidi overrides that can make
# text display differently from what it says. They have no place in a printed document.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def zone_label(tz: tzinfo) -> str:
    key = getattr(tz, "key", "")
    return ZONE_LABELS.get(key) or key or str(tz)


def tanggal(value: date | datetime | None) -> str:
    """`16 November 2026`; "" for None."""
    if value is None:
        return ""
    return f"{value.day} {BULAN[value.month - 1]} {value.year}"


def hari_tanggal(value: date | datetime | None) -> str:
    """`Senin, 16 November 2026`."""
    if value is None:
        return ""
    return f"{HARI[value.weekday()]}, {tanggal(value)}"


def jam(value: datetime | None) -> str:
    """`09.15 WIB` (the zone from the value itself, which the views set to the office's)."""
    if value is None:
        return ""
    label = zone_label(value.tzinfo) if value.tzinfo else ""
    return f"{value:%H.%M} {label}".strip()


def waktu(value: datetime | None) -> str:
    """`Senin, 16 November 2026 pukul 09.15 WIB`."""
    if value is None:
        return ""
    return f"{hari_tanggal(value)} pukul {jam(value)}"


def ukuran(size: int) -> str:
    """A byte count for people: `830 B`, `12,4 KB`, `1,2 MB` (1 KB = 1024 B, decimal comma)."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    text = f"{value:.1f}".replace(".", ",")
    return f"{text.removesuffix(',0')} {unit}"


def clean_text(value: str | None) -> str:
    """Untrusted text made printable: NFC, no control or bidi-override characters, \\n line ends."""
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", unicodedata.normalize("NFC", text))


def one_line(value: str | None) -> str:
    """Like `clean_text`, folded onto one line (headers, names, filenames)."""
    return " ".join(clean_text(value).split())


# A word that a mail client may turn into a link: a scheme (`http:`, `mailto:`), `www.`, an
# address, or a host name (`hadiah-kilat.example`, `Klik.Com`). A host is two or more characters
# before a dot, which keeps Indonesian degrees in a name (`S.Kom`, `S.Pd.I`, `M.Si`, `Dr.`).
# Run per word: linear time.
_LINKISH = re.compile(r"(?i:^[a-z][a-z0-9+.-]*:[^\s:]|www\.)|@|[\w-]{2,}\.[^\W\d_]{2,}")


def without_links(value: str) -> str:
    """`value` without the words that look like a URL, an address or a domain name."""
    return " ".join(w for w in value.split() if not _LINKISH.search(w))


# What a sender wrote (subject, display name) is echoed back to the sender's address at most
# this long: whoever forges a complaint from a victim's address must not have the office send
# the victim their advertisement (issue 9, "no amplification"). The case keeps the full text.
ECHO_LIMIT = 120


def echoed_subject(value: str | None) -> str:
    """A subject as echoed to its sender: one line, at most ECHO_LIMIT characters."""
    return ringkas(one_line(value), ECHO_LIMIT)


def echoed_name(value: str | None) -> str:
    """A display name as echoed in a salutation: one line, no link, at most ECHO_LIMIT."""
    return ringkas(without_links(one_line(value)), ECHO_LIMIT)


def ringkas(value: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary, with an ellipsis when cut."""
    text = value.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(None, 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,.;:") + " …"


_SATUAN = (
    "nol",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)


def terbilang(n: int) -> str:
    """A whole number 0-999 in words, as letters write durations: `7 (tujuh) hari kerja`."""
    if not 0 <= n <= 999:
        return str(n)
    if n < 12:
        return _SATUAN[n]
    if n < 20:
        return f"{_SATUAN[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_SATUAN[tens]} puluh" + (f" {_SATUAN[rest]}" if rest else "")
    hundreds, rest = divmod(n, 100)
    head = "seratus" if hundreds == 1 else f"{_SATUAN[hundreds]} ratus"
    return head + (f" {terbilang(rest)}" if rest else "")
