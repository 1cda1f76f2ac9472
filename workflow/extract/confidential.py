"""Does the reporter ask for their identity to be kept secret ("mohon identitas saya dirahasiakan")?

"Rahasia" is a common word in complaints with other meanings: "sudah menjadi rahasia umum"
(common knowledge), "rahasia negara", the election principle "langsung, umum, bebas, rahasia",
"daftar pemilih sengaja dirahasiakan oleh PPS" (something hidden by officials). So a bare "rahasia"
does not count. What counts is a request tied to the reporter or their identity, a line that is
only "RAHASIA" (or "Sifat: Rahasia"), or asking to be anonymous — unless negated nearby
("tidak perlu dirahasiakan", "bukan pelapor anonim").
"""

from __future__ import annotations

import re

_ID = r"(?:identitas|nama|jati\s*diri|data\s+(?:diri|pribadi)|privasi|no(?:mor)?\s+hp)"
_ME = r"(?:saya|sy|sya|pelapor|kami|aku|ku)"
_HIDE = r"(?:di)?rahasia(?:kan)?"
_W = r"[\w'’/-]+"  # one word
_NEGATION_WINDOW = 200  # characters before a request where its negation is looked for
_NOT = re.compile(r"\b(?:tidak|tak|bukan|gak|ga|nggak|ngga|enggak|ndak|tdk|jangan|jgn)\b", re.I)
# Read with `.match(text, pos)`, which anchors at `pos` (a `^` would anchor at the string's
# start only, and never match there).
_OTHER_SENSE = re.compile(
    r"\s*(?:umum|negara|jabatan|dagang|perusahaan|negeri|pribadi\s+mereka)", re.I
)

# Requests to hide something, negatable.
_HIDE_REQUESTS = tuple(
    re.compile(rx, re.IGNORECASE | re.MULTILINE)
    for rx in (
        rf"\b{_ID}\s+{_ME}\b(?:\s+{_W}){{0,4}}?\s+{_HIDE}\b",  # identitas saya mohon dirahasiakan
        rf"\b{_ID}(?:\s+{_ME})?[\s:(]*(?:mohon\s+|harap\s+|agar\s+)?dirahasiakan\b",
        rf"\b(?:di|me)?rahasiakan\s+(?:{_W}\s+)?{_ID}\b",  # mohon rahasiakan identitas saya
        rf"\bkerahasiaan\s+(?:{_W}\s+)?{_ID}\b",  # jaga kerahasiaan identitas saya
        rf"\b(?:mohon|minta|harap|tolong|agar|supaya|{_ME})\s+(?:{_W}\s+){{0,3}}?"
        rf"dirahasiakan\b",  # mohon laporan ini dirahasiakan
        r"\b(?:mohon|minta|harap|tolong)\s+(?:dijaga\s+)?(?:ke)?rahasia(?:an)?\b",
        # Anonymous as the reporter's wish, not "akun anonim di Facebook" (an anonymous account).
        rf"\b(?:{_ME}|secara|sebagai|tetap|ingin|mau|minta|jadi|menjadi|laporan\s+ini)\s+(?:{_W}\s+)?"
        r"anonim\w*\b|^[^\w\n]*anonim\w*[^\w\n]*$|\b(?:remain|stay|be)\s+anonymous\b",
        r"\bhamba\s+allah\b",
        r"^[^\w\n]*(?:sifat[ \t]*:[ \t]*)?(?:sangat[ \t]+)?rahasia[^\w\n]*$",  # a line: "RAHASIA", "Sifat: Rahasia"
        r"^[^\w\n]*(?:(?:re|fwd?):[ \t]*)*rahasia[ \t]*[:\-–]",  # a subject: "RAHASIA: laporan ..."
        r"[\[(]\s*rahasia\s*[\])]",
        r"\b(?:keep|kept)\s+(?:my\s+)?(?:identity|name)\s+(?:confidential|secret|anonymous)\b",
    )
)
# Requests not to be named: the negation is part of the request, so they are not negatable.
_DONT_NAME = tuple(
    re.compile(rx, re.IGNORECASE)
    for rx in (
        rf"\b(?:jangan|jgn|tidak\s+usah|tdk\s+usah|gak\s+usah|ga\s+usah|tolong\s+jangan)\s+"
        rf"(?:di|me)?(?:sebut\w*|cantumkan|tampilkan|buka|sebar\w*|publikasi\w*|beritahu\w*|bocor\w*)"
        rf"\s+(?:{_W}\s+)?{_ID}\b",
        rf"\btanpa\s+(?:menyebut\w*|mencantumkan|membuka)\s+(?:{_W}\s+)?{_ID}\b",
        rf"\b(?:tidak|tak|gak|nggak|tdk)\s+(?:mau|ingin)\s+(?:{_W}\s+){{0,3}}?{_ID}(?:\s+{_W}){{0,2}}?"
        rf"\s+(?:diketahui|disebut\w*|dibuka|terungkap|tercantum)\b",
    )
)


def wants_confidentiality(text: str) -> bool:
    """True when the reporter asks that their identity be kept secret (see the module docstring)."""
    text = text or ""
    if any(rx.search(text) for rx in _DONT_NAME):
        return True
    for rx in _HIDE_REQUESTS:
        for m in rx.finditer(text):
            if not _negated(text, m) and not _OTHER_SENSE.match(text, m.end()):
                return True
    return False


def _negated(text: str, m: re.Match[str]) -> bool:
    """A negation inside the match or among the three words before it in the same sentence."""
    # Only the text just before: splitting all of it, once per match, is quadratic on a hostile
    # text full of negated requests. Three words are far shorter than the window.
    before_match = text[max(0, m.start() - _NEGATION_WINDOW) : m.start()]
    sentence = re.split(r"[.!?;\n]", before_match)[-1]
    before = " ".join(sentence.split()[-3:])
    return bool(_NOT.search(m.group()) or _NOT.search(before))
