"""Does the reporter ask for their identity to be kept secret ("mohon identitas saya dirahasiakan")?

"Rahasia" is a common word in complaints with other meanings: "sudah menjadi rahasia umum"
(common knowledge), "rahasia negara", the election principle "langsung, umum, bebas, rahasia",
"daftar pemilih sengaja dirahasiakan oleh PPS" (something hidden by officials). So a bare "rahasia"
does not count. What counts is a request tied to the reporter or their identity, a line that is
only "RAHASIA" (or "Sifat: Rahasia"), or asking to be anonymous — unless negated nearby
("tidak perlu dirahasiakan", "bukan pelapor anonim").

`allows_disclosure` reads the opposite statement, consent to be named to the agency a case is
forwarded to ("identitas saya boleh disebutkan"), with the same negation rule.
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


# Consent to be named ("identitas saya boleh disebutkan"), negatable like the requests above.
_OPEN = r"(?:di)?(?:buka|sebut(?:kan)?|sampaikan|cantumkan|ungkap(?:kan)?|beritahukan)"
_MAY = r"(?:boleh|dapat|bisa|silakan|silahkan)"
_ALLOW_REQUESTS = tuple(
    re.compile(rx, re.IGNORECASE | re.MULTILINE)
    for rx in (
        # identitas saya (sebagai pelapor) boleh dibuka / disebutkan / disampaikan
        rf"\b{_ID}\s+{_ME}\b(?:\s+{_W}){{0,2}}?\s+{_MAY}\s+{_OPEN}\b",
        # saya bersedia / setuju identitas saya disampaikan
        rf"\b(?:bersedia|setuju|mengizinkan|mengijinkan|mempersilakan)\s+(?:{_W}\s+){{0,2}}?"
        rf"{_ID}\s+{_ME}\s+(?:{_MAY}\s+)?{_OPEN}\b",
        # boleh disebutkan identitas saya
        rf"\b{_MAY}\s+{_OPEN}\s+{_ID}\s+{_ME}\b",
        # a line of its own, as the acknowledgement asks for: "IDENTITAS BOLEH DIBUKA"
        r"^[^\w\n]*identitas[ \t]+(?:pelapor[ \t]+)?(?:boleh|dapat)[ \t]+dibuka[^\w\n]*$",
        r"\b(?:may|can)\s+(?:share|disclose|reveal)\s+my\s+(?:identity|name)\b",
    )
)
# "Tidak keberatan": the negation is part of the consent, so this one is not negatable.
_NO_OBJECTION = re.compile(
    rf"\b(?:tidak|tak|tdk|gak|nggak)\s+keberatan\s+(?:{_W}\s+){{0,3}}?{_ID}\s+{_ME}\s+"
    rf"(?:{_MAY}\s+)?{_OPEN}\b",
    re.IGNORECASE,
)


def allows_disclosure(text: str) -> bool:
    """True when the reporter states that their identity may be given to the agency a case is
    forwarded to ("identitas saya boleh disebutkan", "saya bersedia identitas saya
    disampaikan"), not negated ("identitas saya tidak boleh dibuka"). A text that also asks for
    secrecy is the caller's conflict to settle: confidentiality wins (registration.py)."""
    text = text or ""
    if _NO_OBJECTION.search(text):
        return True
    return any(not _negated(text, m) for rx in _ALLOW_REQUESTS for m in rx.finditer(text))


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
