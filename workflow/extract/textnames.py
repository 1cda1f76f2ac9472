"""Telling a person's name from the other words people write where a name might be."""

from __future__ import annotations

import re

# Words that never belong to a person's name: closings, pronouns, function words, roles.
_NOT_NAME = frozenset(
    [
        "saya",
        "sy",
        "sya",
        "kami",
        "aku",
        "yang",
        "yg",
        "dan",
        "atas",
        "perhatian",
        "perhatiannya",
        "semoga",
        "mohon",
        "tolong",
        "harap",
        "agar",
        "untuk",
        "dengan",
        "dgn",
        "di",
        "ke",
        "dari",
        "ini",
        "itu",
        "tersebut",
        "segera",
        "ditindaklanjuti",
        "tindak",
        "lanjut",
        "lanjutnya",
        "terima",
        "kasih",
        "dirahasiakan",
        "rahasia",
        "anonim",
        "warga",
        "masyarakat",
        "pelapor",
        "wr",
        "wb",
        "warahmatullahi",
        "wabarakatuh",
        "yth",
        "kepada",
        "ada",
        "adalah",
        "sudah",
        "telah",
        "akan",
        "bisa",
        "tidak",
        "tdk",
        "jangan",
        "jgn",
        "pada",
        "saat",
        "kpu",
        "bawaslu",
        "tps",
        "desa",
        "kecamatan",
        "kabupaten",
        "laporan",
        "pengaduan",
        "bukti",
        "lampiran",
        "kronologi",
        "kejadian",
        "tanggal",
        "hari",
        "pukul",
        "jam",
        "sent",
        "from",
        "dikirim",
        "iphone",
        "android",
        "email",
        "hp",
        "telp",
        "wa",
        "nomor",
        "no",
        "alamat",
        "ya",
        "pak",
        "bu",
        "bapak",
        "ibu",
        "dong",
        "nih",
        "deh",
    ]
)
# Where a phrase (a name after "nama saya", a terlapor after "oknum") stops.
_PHRASE_STOP = frozenset(
    [
        "yang",
        "yg",
        "karena",
        "krn",
        "atas",
        "dengan",
        "dgn",
        "telah",
        "sudah",
        "pada",
        "saat",
        "ketika",
        "untuk",
        "dan",
        "kepada",
        "sebab",
        "agar",
        "supaya",
        "tersebut",
        "ini",
        "itu",
        "sedang",
        "akan",
        "juga",
        "tadi",
        "kemarin",
        "semalam",
        "tidak",
        "tdk",
        "dari",
        "warga",
        "selaku",
        "tinggal",
        "beralamat",
        "ingin",
        "mau",
        "hendak",
        "bermaksud",
        "sebagai",
        "asal",
        "alamat",
        "umur",
        "usia",
        "dalam",
        "hari",
        "tanggal",
        "tgl",
        "pukul",
        "jam",
        "tanpa",
        "tapi",
        "tetapi",
        "namun",
        "sehingga",
    ]
)
_VERB = re.compile(r"^(?:me(?:ng|ny|m|n)?|di|ber|ter)[a-z]{4,}$")
_ANONYMOUS = re.compile(
    r"^\W*(?:anonim\w*|anonymous|(?:mohon\s+|harap\s+)?(?:di)?rahasia(?:kan)?"
    r"|hamba\s+allah|tanpa\s+nama|tidak\s+disebut\w*|no\s+name)\W*$",
    re.IGNORECASE,
)


def tidy_case(text: str) -> str:
    """Re-case a name written ALL CAPS or all lower ("BUDI SANTOSO, S.Pd" -> "Budi Santoso, S.Pd");
    a name with mixed case is kept as written. Degrees after a comma are never touched."""
    head, sep, tail = text.partition(",")
    letters = [c for c in head if c.isalpha()]
    if letters and (head.isupper() or head.islower()):
        head = " ".join(w[:1].upper() + w[1:].lower() for w in head.split())
    return head + sep + tail


def clean_name(value: str) -> str:
    """`value` tidied when it looks like a person's name, else ""."""
    text = re.split(r"[(\[<]", value or "", maxsplit=1)[0]
    text = re.sub(r"\s+", " ", text).strip(" \t-–—:;,*_\"'")
    if not 2 <= len(text) <= 80 or re.search(r"\d|@|https?:|www\.", text):
        return ""
    words = text.replace(",", " ").split()
    if not 1 <= len(words) <= 6:
        return ""
    for w in words:
        bare = w.strip(".'’-").lower()
        if bare in _NOT_NAME or (bare and not re.fullmatch(r"[^\W\d_][\w.'’-]*", w.strip("."))):
            return ""
    return tidy_case(text)


def is_anonymous_name(value: str) -> bool:
    """True for a "name" that says there is none: "Anonim", "Rahasia", "Hamba Allah"..."""
    return bool(_ANONYMOUS.match(value or ""))


def phrase_until_stop(text: str, max_words: int) -> str:
    """The words of `text` up to the first stop word or lower-case verb, at most `max_words`."""
    shouting = text.isupper()
    out: list[str] = []
    for word in text.split():
        bare = word.strip(",:()\"'").lower()
        if bare in _PHRASE_STOP or ((shouting or word[:1].islower()) and _VERB.match(bare)):
            break
        out.append(word)
        if len(out) >= max_words:
            break
    return " ".join(out).strip(" ,:;-")
