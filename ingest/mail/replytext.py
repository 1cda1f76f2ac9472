"""What the person actually wrote at the top of a reply: the text commands are read from.

`reply_text(text, html="")` returns only the new content of a reply ("" when nothing new),
without the quoted message, quote headers ("Pada … menulis:", "Dari: / Dikirim: / Kepada:"…),
signatures and mobile footers, gateway banners and disclaimers; `first_lines(reply, n=3)` gives
its first meaningful lines, greeting lines ("Yth. Admin,") skipped, and `command_lines(reply)`
the same with paragraph breaks kept (a command's note ends at the first blank line). Nothing
below our own `REPLY_MARKER` is read.

How it works, and how mail-parser-reply is taught Indonesian (and kept linear-time): see
docs/reply-reading.md.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailMessage, EmailReply
from mailparser_reply.constants import QUOTED_MATCH_INCLUDE as _Q

from dumas.ingest.mail.replyhtml import html_reply_source

_MARKER = re.compile(r"balas\s+di\s+atas\s+garis\s+ini|reply\s+above\s+this\s+line", re.I)


def _attribution_line(opening: str, closing: str) -> str:
    """ "<opening> … <closing>:" as a whole line, also wrapped once, in linear time.

    The library's own "On … wrote:" pattern (`.+?\\s?.+?`) backtracks quadratically on a long
    line that starts with "On " and never says "wrote:" - a cheap way to stall the poller with
    one email. Here the first line is matched possessively when the header wraps.
    """
    tail = r"(?:" + closing + r")\s?:"
    return (
        r"^(" + _Q + r"(?:" + opening + r")\s(?:[^\n]*" + tail + r"|[^\n]*+\n[^\n]*" + tail + r"))$"
    )


_ID_HEADER_KEYS = (
    "Dari|Dikirim|Terkirim|Kepada|Ke|Subjek|Perihal|Tanggal|Tgl|Cc|Bcc|Tembusan|Lampiran"
)

EXTRA_LANGUAGES: dict[str, dict[str, str | list[str]]] = {
    "id": {
        "wrote_header": [
            # Gmail web/Android, iPhone, Yahoo, Thunderbird, Samsung; may wrap once:
            # "Pada Sen, 3 Nov 2026 pukul 10.15 Meja <a@b> menulis:", "Pada tanggal …"
            _attribution_line("Pada", "menulis"),
            r"^(" + _Q + r"-{4,}\s*Pesan\s+(?:Asli|Awal)\s*-{4,})$",
            r"^(" + _Q + r"-{4,}\s*Pesan\s+(?:yang\s+)?(?:di)?teruskan\s*-{4,})$",
            r"^(" + _Q + r"-{4,}\s*Pesan\s+terusan\s*-{4,})$",
            r"^(" + _Q + r"Awal\s+pesan\s+yang\s+diteruskan\s?:)$",
        ],
        # Outlook: two or more consecutive "Dari: / Dikirim: / Kepada: / Subjek:" lines
        "from_header": r"((?:(?:^|\n|\n"
        + _Q
        + r")[* ]*(?:"
        + _ID_HEADER_KEYS
        + r"):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
        # Closing lines count only when they stand alone, so "Terima kasih, tetapi …" in a
        # TOLAK note is kept.
        "signatures": [
            r"Salam(?:\s+(?:hormat|sejahtera|hangat))?[,.!]*$",
            r"Hormat\s+(?:saya|kami)[,.]*$",
            r"Terima\s?kasih(?:\s+banyak)?[,.!]*$",
            r"Wassalam\S*(?:\s+\S+){0,3}$",
        ],
        "sent_from": r"Dikirim dari|Dikirim melalui|Terkirim dari|Dapatkan Outlook untuk",
    },
    "en-extra": {
        "wrote_header": [
            r"^(" + _Q + r"-{4,}\s*Forwarded\s+message\s*-{4,})$",
            r"^(" + _Q + r"Begin\s+forwarded\s+message\s?:)$",
        ],
        "sent_from": r"Sent from (?:Yahoo|Outlook|Mail for|Samsung|my)",
    },
}
_LANGUAGES = ("id", "en-extra")  # the library adds its own "en"
# Library patterns we replace. Its disclaimer pattern ("CAUTION: … mail …") backtracks
# quadratically on a line full of "." and "Warning:"; corporate disclaimers sit below the reply
# or in the quoted part anyway, so we never look for them ("(?!)" never matches).
_OVERRIDES = {
    ("en", "wrote_header"): _attribution_line("On", "wrote"),
    ("en", "disclaimers"): r"(?!)",
}
# The library sees at most this much of what is left once `>` quotes are gone: commands are at
# the top, and this bounds the cost of any backtracking still hiding in its patterns.
_LIBRARY_LIMIT = 50_000
# What `reply_text` reads of a body at all, as extraction reads a head: a command and its note
# stand at the top, and every step below is then bounded by these, whatever the email's size
# (the full text stays stored with the message). HTML, mostly markup, is cut far later, before
# it is parsed (its parse is linear; the cap bounds it whatever the message size limit is).
_READ_CHARS = 64_000
_READ_LINES = 4_000
_READ_HTML_CHARS = 1_000_000

_UNICODE_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile(r" {2,}")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")
# A mobile footer whose link text was rendered with its address, "Dapatkan Outlook untuk Android
# (https://aka.ms/…)": the library's footer pattern does not allow the brackets, so they go.
_FOOTER_LINK = re.compile(
    r"^(\s*(?:>\s?)*(?:Dikirim dari|Sent from|Get Outlook for|Dapatkan Outlook untuk)\b[^()<>]*?)"
    r"\s?[(<]https?://[^\s()<>]*[)>]$",
    re.I,
)
_BLANK_RUNS = re.compile(r"\n{3,}")
# The "On … wrote:" line above a `>` block, also when wrapped over up to three lines (the
# library's own patterns allow one line break).
_ATTRIBUTION = re.compile(r"^(?:On|Pada)\s.{0,300}\b(?:wrote|menulis)\s?:$", re.I)
_ATTRIBUTION_MAX_LINES = 3
_HAS_WORD = re.compile(r"\w")
# Quote headers the library does not know, each recognised on one line or on a header wrapped
# over up to `_HEADER_MAX_LINES` lines, and replaced by the one separator it does know
# (`_SEPARATOR`), so a header ends the reply wherever it stands. Every pattern is anchored and
# bounded ({0,300}): linear on citizen input.
_SEPARATOR = "-----Original Message-----"
_HEADER_MAX_LINES = 3
_HEADER_SHAPES = (
    # "-----Reply Message-----", "----- Original message -----", "-----Pesan Asli-----"
    re.compile(
        r"^-{2,} ?(?:reply|original|forwarded) message ?-{2,}$"
        r"|^-{2,} ?pesan (?:asli|awal|balasan|(?:yang )?(?:di)?teruskan) ?-{2,}$",
        re.I,
    ),
    # "---- Rina wrote ----", "---- Pada Sen, 2 Nov 2026 Rina menulis ----" (Zoho, some webmails)
    re.compile(r"^-{2,} ?[^\n]{0,300}\b(?:wrote|menulis) ?-{2,}$", re.I),
    # "On … wrote:" / "Pada … menulis:", possibly wrapped (the lines are joined with spaces)
    _ATTRIBUTION,
    # Gmail in some locales: "2026-11-02 9:20 GMT+07:00 Rina <rina@example.org>:"
    re.compile(r"^\d{4}-\d{1,2}-\d{1,2},? \d{1,2}[:.]\d{2}\b[^\n]{0,300}:$"),
    # Outlook's header paragraph rendered on one line: "From: Rina <…> Date: Monday, …"
    re.compile(
        r"^\W{0,3}(?:from|dari) ?:[^\n]{0,300}?\W(?:date|sent|dikirim|terkirim|tanggal) ?:", re.I
    ),
    # Outlook's plain-text block, from its first two lines: "From: …" then "Sent: …" / "Dari: …"
    # then "Dikirim: …" (the library needs the rest of the block to be there as well).
    re.compile(
        r"^\W{0,3}(?:from|dari) ?:[^\n]{0,300} \W{0,3}(?:sent|date|to|dikirim|terkirim|tanggal"
        r"|kepada) ?:",
        re.I,
    ),
    # Outlook's separator line (its text part's rendering of the <hr> above the header block)
    re.compile(r"^_{8,}$"),
)
# Gateway banners stamped on the message ("[EXTERNAL] …", "CAUTION: This email originated from
# outside …", "Hati-hati: email ini berasal dari luar organisasi"): the paragraph is dropped,
# wherever it stands; staff never typed it.
_BANNER = re.compile(
    r"^\W{0,3}\[(?:external|eksternal|ext|luar)\]"
    r"|^[^\n]{0,200}\b(?:originated|came|comes|sent|berasal) (?:from )?(?:outside|dari luar)"
    r" (?:of )?(?:the |your |our )?(?:organi[sz]ation|organisasi|instansi|kantor|domain"
    r"|company|perusahaan)",
    re.I,
)
# Corporate disclaimers and confidentiality footers: from here to the next quote nothing is
# what the person typed.
_DISCLAIMER = re.compile(
    r"^\W{0,3}(?:disclaimer|penafian|confidentiality notice|pemberitahuan kerahasiaan"
    r"|catatan kerahasiaan)\b"
    r"|^\W{0,3}(?:this|the information in this|the contents of this|isi|informasi dalam)"
    r" (?:e-?mail|message|surel|pesan)\b[^\n]{0,120}\b(?:confidential|privileged|rahasia)\b"
    r"|^\W{0,3}(?:e-?mail|surel|pesan) ini(?: dan(?: seluruh| semua)? lampiran(?:nya)?)?"
    r" (?:bersifat |adalah )?(?:rahasia|konfidensial)\b",
    re.I,
)
# How many lines of a reply `command_lines` hands on: the command is in the first three, the
# rest is its note or written report.
_COMMAND_TEXT_LINES = 400
_GREETING = re.compile(
    r"^(?:(?:kepada\s+)?yth\b|yang\s+terhormat\b|dengan\s+hormat\b|di\s*-?\s*tempat\b"
    r"|dear\b|hi\b|hai\b|halo\b|hallo\b|hello\b|salam\b|selamat\s+(?:pagi|siang|sore|malam)\b"
    r"|assalamu\W?\s?alaikum|om\s+swastiastu\b|good\s+(?:morning|afternoon|evening)\b)",
    re.I,
)


class _Message(EmailMessage):
    """mail-parser-reply's message, also reading our `EXTRA_LANGUAGES` tables."""

    def _get_language_regex(self, language: str, regex_key: str) -> str:
        if (language, regex_key) in _OVERRIDES:
            return _OVERRIDES[language, regex_key]
        table = EXTRA_LANGUAGES.get(language)
        if table is None:
            return super()._get_language_regex(language, regex_key)
        value = table.get(regex_key, "")
        return "|".join(value) if isinstance(value, list) else value


def reply_text(text: str, html: str = "") -> str:
    """The new content the person wrote in this reply ("" when they wrote nothing new).

    `text` is the decoded plain body, `html` the sanitized HTML body ("" when none); the HTML is
    preferred because its structure marks quotes. Lines are stripped, runs of spaces and of
    blank lines collapsed to one; quoted text, quote headers and recognised signatures are gone.
    """
    if html:
        try:
            source = html_reply_source(html[:_READ_HTML_CHARS])
        except Exception:  # noqa: BLE001 - untrusted HTML; the text body is always there
            source = None
        if source is not None:
            return _reply_from_text(_head(source))
    return _reply_from_text(_head(text))


def _head(text: str) -> str:
    """The top of a body, at most `_READ_CHARS` characters and `_READ_LINES` lines."""
    text = text[:_READ_CHARS]
    cut = -1
    for _ in range(_READ_LINES):
        cut = text.find("\n", cut + 1)
        if cut < 0:
            return text
    return text[:cut]


def first_lines(reply: str, n: int = 3) -> list[str]:
    """The first `n` meaningful lines of a reply, whitespace collapsed.

    Meaningful: containing a letter or digit. Leading greeting lines ("Yth. Admin,", "Selamat
    pagi Pak,", "Dengan hormat,") are skipped; a greeting followed by text on the same line
    ("Yth. Admin, SETUJU") keeps what follows its first comma.
    """
    lines = [_WHITESPACE.sub(" ", line).strip() for line in reply.splitlines()]
    return _without_greetings([line for line in lines if _HAS_WORD.search(line)])[:n]


def _without_greetings(lines: list[str]) -> list[str]:
    """`lines` from the first that is not a greeting ("" counts as blank and is skipped too); a
    greeting followed by text on its line ("Yth. Admin, SETUJU") keeps what follows its comma."""
    while lines and not lines[0]:
        lines.pop(0)
    while lines and _GREETING.match(lines[0]):
        _, comma, rest = lines[0].partition(",")
        rest = rest.strip()
        if comma and rest and not rest.endswith(",") and _HAS_WORD.search(rest):
            lines[0] = rest
            break
        lines.pop(0)
        while lines and not lines[0]:
            lines.pop(0)
    return lines


def command_lines(reply: str) -> list[str]:
    """The lines a command and its note are read from: `first_lines` with the blank lines kept.

    Starts at the first meaningful line (greetings skipped as in `first_lines`); a line without
    a letter or digit counts as blank, runs of blank lines become one "". A note ends at the
    first blank line, so the paragraph boundaries must survive to the command parser.
    """
    lines = [_WHITESPACE.sub(" ", line).strip() for line in reply.splitlines()]
    lines = _without_greetings([line if _HAS_WORD.search(line) else "" for line in lines])
    out: list[str] = []
    for line in lines[: _COMMAND_TEXT_LINES * 2]:
        if line or (out and out[-1]):
            out.append(line)
    return out[:_COMMAND_TEXT_LINES]


def _reply_from_text(text: str) -> str:
    lines = _cut_at_marker(_normalized_lines(text))
    lines = _drop_boilerplate(_mark_headers(lines))
    top = _top_reply(_unquoted(lines))
    if top:
        return top
    first_quote = next((i for i, line in enumerate(lines) if _is_quoted(line)), None)
    if first_quote is None or not _only_headers(lines[:first_quote]):
        return ""
    return _top_reply(_unquoted(lines[first_quote + 1 :]))


def _normalized_lines(text: str) -> list[str]:
    """Lines with Unicode spaces made plain, invisible characters removed, and runs of spaces and
    of blank lines reduced to one (the library's signature patterns start with `\\s*^`, which
    backtracks quadratically on long runs of white space)."""
    text = _SPACE_RUNS.sub(" ", _UNICODE_SPACES.sub(" ", _INVISIBLE.sub("", text)))
    lines: list[str] = []
    for line in text.splitlines():
        line = _FOOTER_LINK.sub(r"\1", line.rstrip())
        if line or (lines and lines[-1]):
            lines.append(line)
    return lines


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _cut_at_marker(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if not _is_quoted(line) and _MARKER.search(line):
            return lines[:index]
    return lines


def _is_header_at(lines: list[str], index: int) -> int:
    """How many lines (1 to `_HEADER_MAX_LINES`) from `index` form a quote header; 0: none."""
    joined = ""
    for size in range(1, _HEADER_MAX_LINES + 1):
        if index + size > len(lines):
            return 0
        line = lines[index + size - 1].strip()
        if not line or _is_quoted(line):
            return 0
        joined = f"{joined} {line}" if joined else line
        if len(joined) > 400:  # headers are short; this also bounds every pattern's work
            return 0
        if any(shape.match(joined) for shape in _HEADER_SHAPES):
            return size
    return 0


def _mark_headers(lines: list[str]) -> list[str]:
    """`lines` with each quote header we recognise replaced by `_SEPARATOR`, which the library
    splits at like any header it knows (so bottom-posted replies below it are still found)."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        size = 0 if _is_quoted(lines[index]) else _is_header_at(lines, index)
        if size:
            out.append(_SEPARATOR)
            index += size
        else:
            out.append(lines[index])
            index += 1
    return out


def _drop_boilerplate(lines: list[str]) -> list[str]:
    """`lines` without gateway banners (their paragraph) and disclaimers (up to the next quote
    or quote header); each leaves a blank line, so no note runs across where it stood."""
    out: list[str] = []
    dropping = ""  # "banner": to the end of the paragraph; "disclaimer": to the next quote
    for line in lines:
        unquoted = not _is_quoted(line) and line != _SEPARATOR
        if not unquoted or (dropping == "banner" and not line.strip()):
            dropping = ""
        if not dropping and unquoted and len(line) <= 1000:
            if _BANNER.match(line):
                dropping = "banner"
            elif _DISCLAIMER.match(line):
                dropping = "disclaimer"
            if dropping and out and out[-1].strip():
                out.append("")
        if not dropping:
            out.append(line)
    return out


def _unquoted(lines: list[str]) -> list[str]:
    """The lines not quoted with `>`, without the attribution line above each quote; a blank
    line stands where each quote was, so text below a quote never joins a note above it."""
    kept: list[str] = []
    previous_quoted = False
    for line in lines:
        quoted = _is_quoted(line)
        if quoted and not previous_quoted:
            _drop_attribution(kept)
            if kept and kept[-1].strip():
                kept.append("")
        # Blank runs stay collapsed (taking quotes out joins the blank lines around them): the
        # library's signature patterns slow down on them, and `_drop_attribution` looks back
        # over them at every quote.
        if not quoted and (line.strip() or not kept or kept[-1].strip()):
            kept.append(line)
        previous_quoted = quoted
    return kept


def _drop_attribution(kept: list[str]) -> None:
    # Bounded look-back (two blank lines at most between the attribution and its quote), so
    # the work per quote does not grow with what was kept above it.
    end = len(kept)
    floor = max(0, end - 2)
    while end > floor and not kept[end - 1].strip():
        end -= 1
    for size in range(1, _ATTRIBUTION_MAX_LINES + 1):
        chunk = kept[end - size : end] if size <= end else []
        if not chunk or not all(line.strip() for line in chunk):
            return
        if _ATTRIBUTION.match(" ".join(line.strip() for line in chunk)):
            del kept[end - size :]
            return


def _top_reply(lines: list[str]) -> str:
    """The text above the first quote header, signature removed ("" if it starts with one)."""
    replies = _split(lines)
    if not replies or replies[0].headers:
        return ""
    return _tidy(replies[0].body)


def _only_headers(lines: list[str]) -> bool:
    """Whether `lines` hold nothing but quote headers, signatures and blank lines."""
    return not any(reply.body.strip() for reply in _split(lines))


def _split(lines: list[str]) -> list[EmailReply]:
    text = "\n".join(lines)[:_LIBRARY_LIMIT]
    message = _Message(text=text, languages=list(_LANGUAGES), keep_hyphen_lists=True)
    return message.read().replies


def _tidy(body: str) -> str:
    lines = [line.strip() for line in body.splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
