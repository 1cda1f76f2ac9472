"""Header decoding: unfolding, raw 8-bit bytes, RFC 2047 encoded words, ids, addresses, dates.

Encoded words are decoded here rather than by mail-parser, which runs them through
`bytes.decode(charset, "ignore")` and falls back to UTF-8 "ignore" for an unknown charset: the
accented letters of `=?x-unknown?Q?caf=E9?=` vanish ("caf") and nothing says so. Here an unknown or
wrong charset falls back to UTF-8 or windows-1252 (see `charsets`), and a note is recorded.

Addresses and dates use mail-parser's hardened parsers (`get_addresses` with structural recovery,
`parse_mail_date`), which report what they had to repair. What they refuse gets one forgiving
second reading (a bare `MAILER-DAEMON`, `Budi budi@x.id`; `email.utils` for dates), recorded as
a defect; ambiguous angle-addresses are never guessed at.
"""

from __future__ import annotations

import binascii
import email.utils
import re
from datetime import UTC, datetime
from email.message import Message

from mailparser.dates import parse_mail_date
from mailparser.utils import get_addresses

from dumas.ingest.mail.charsets import decode_bytes, raw_header_text, scrub_text
from dumas.ingest.mail.inbound import Address
from dumas.ingest.mail.payloads import lenient_b64decode

_FOLD = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_MSG_ID = re.compile(r"<([^<>]*)>")
_ID_SEPARATORS = re.compile(r"[\s<>,;]+")
_RAW_SNIPPET = 60
MAX_ADDRESSES = 500  # per header; more is an attack or a mailing-list accident, not a complaint
_SPACES = re.compile(r"\s+")


def unfold(value: str) -> str:
    """Remove header folding; stray line breaks become spaces."""
    value = _FOLD.sub("", value)
    if "\n" in value or "\r" in value:
        value = value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return value.strip()


def snippet(value: str) -> str:
    return repr(value if len(value) <= _RAW_SNIPPET else value[:_RAW_SNIPPET] + "...")


def _word_bytes(encoding: str, text: str) -> tuple[bytes, list[str]]:
    data = text.encode("ascii", "replace")
    if encoding in "bB":
        return lenient_b64decode(data)
    return binascii.a2b_qp(data, header=True), []


def decode_words(value: str, label: str, notes: list[str]) -> str:
    """Decode the RFC 2047 encoded words in `value`; problems are appended to `notes`.

    Adjacent encoded words in one charset are joined before decoding, because encoders split
    multi-byte characters across words.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    run: list[bytes] = []
    run_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal run, run_charset
        if run:
            text, note = decode_bytes(b"".join(run), run_charset)
            out.append(text)
            if note:
                notes.append(f"{label}: encoded word: {note}")
        run, run_charset = [], None

    for index, match in enumerate(_ENCODED_WORD.finditer(value)):
        between = value[position : match.start()]
        # RFC 2047 6.2: white space between adjacent encoded words is not displayed
        adjacent = index > 0 and not between.strip(" \t")
        charset = match.group(1).split("*", 1)[0]
        data, problems = _word_bytes(match.group(2), match.group(3))
        notes.extend(f"{label}: encoded word: {p}" for p in problems)
        if run and (not adjacent or charset.lower() != (run_charset or "").lower()):
            flush()
        if not adjacent:
            out.append(between)
        if not run:
            run_charset = charset
        run.append(data)
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out)


def header_text(raw: str, label: str, notes: list[str], hint: str | None = None) -> tuple[str, str]:
    """(decoded, undecoded) forms of a raw header value: unfolded, 8-bit bytes read (see
    `raw_header_text`), and for the first also RFC 2047 decoded. The undecoded form is what
    address parsing needs."""
    text, guessed = raw_header_text(unfold(raw), hint)
    if guessed:
        notes.append(f"{label}: raw 8-bit bytes in the header, read as {guessed}")
    return scrub_text(decode_words(text, label, notes)), scrub_text(text)


def read_headers(message: Message, notes: list[str], hint: str | None = None) -> tuple[dict, dict]:
    """All headers of `message`: (decoded, undecoded), each lower-case name -> list of values.
    `hint` is the charset to try for raw 8-bit bytes (the body's)."""
    decoded: dict[str, list[str]] = {}
    undecoded: dict[str, list[str]] = {}
    for name, raw in message.raw_items():
        key = scrub_text(raw_header_text(str(name).strip().lower())[0])
        label = key.title() if key.isascii() else "header"
        value, plain = header_text(str(raw), label, notes, hint)
        decoded.setdefault(key, []).append(value)
        undecoded.setdefault(key, []).append(plain)
    return decoded, undecoded


def message_ids(value: str) -> tuple[str, ...]:
    """Message-ids in a Message-ID / In-Reply-To / References value, without <>, de-duplicated."""
    ids = [re.sub(r"\s+", "", m) for m in _MSG_ID.findall(value)]
    if not ids:  # split, not a regex search for x@y: that backtracks quadratically
        ids = [token for token in _ID_SEPARATORS.split(value) if "@" in token[1:-1]]
        if not ids and value.strip() and not any(c.isspace() for c in value.strip()):
            ids = [value.strip()]
    return tuple(dict.fromkeys(i for i in ids if i))


def _decode_name(name: str, label: str, notes: list[str]) -> str:
    # mail-parser leaves words in a charset it cannot decode as "=?x-unknown?Q?...?="
    if "=?" in name:
        name = decode_words(name, label, notes).strip()
    return scrub_text(name)


def parse_addresses(values: list[str], label: str, notes: list[str]) -> tuple[Address, ...]:
    """Mailboxes of one address header (all its occurrences); group syntax is flattened."""
    found: list[Address] = []
    for value in values:
        diagnostics: list[dict] = []
        try:
            pairs = get_addresses(value, defects=diagnostics, decode_names=True)
        except Exception:  # noqa: BLE001 - mail-parser is a helper here, never a point of failure
            pairs, diagnostics = [], [{"reason": "unparseable", "raw": value}]
        for item in diagnostics[:MAX_ADDRESSES]:
            notes.append(
                f"{label}: {item.get('reason', 'invalid address')} in "
                f"{snippet(str(item.get('raw', '')))}"
            )
        pairs = [(n, a) for n, a in pairs if a]
        if not pairs and value.strip():
            pairs = _lenient_addresses(value, label, notes)
        if len(found) + len(pairs) > MAX_ADDRESSES:
            notes.append(f"{label}: more than {MAX_ADDRESSES} addresses; the rest were ignored")
            pairs = pairs[: max(MAX_ADDRESSES - len(found), 0)]
        found.extend(
            Address(_decode_name(n, label, notes), scrub_text(a.strip())) for n, a in pairs
        )
    return tuple(found)


_BARE_MAILBOX = re.compile(r"[A-Za-z0-9._+-]+")
_ADDRESS_SEPARATORS = re.compile(r"[\s<>()\"',;]+")


def _lenient_addresses(value: str, label: str, notes: list[str]) -> list[tuple[str, str]]:
    """A forgiving reading for what mail-parser refuses: a bare local name (`MAILER-DAEMON`), or
    an item with exactly one `x@y` token (`Budi budi@x.id`, `=?..?= (budi@x.id)`); the rest of
    the item becomes the display name. Nothing is guessed when an item is ambiguous."""
    pairs = []
    for item in value.split(","):
        item = item.strip()
        if "<" in item or ">" in item:
            continue  # mail-parser already judged the angle-addr; guessing here invites spoofing
        tokens = [t for t in _ADDRESS_SEPARATORS.split(item) if "@" in t[1:-1]]
        if len(tokens) == 1:
            name = item.replace(tokens[0], " ").strip(" \t<>()\"'")
            pairs.append((_SPACES.sub(" ", name), tokens[0]))
        elif not tokens and _BARE_MAILBOX.fullmatch(item):
            pairs.append(("", item))
    if pairs:
        notes.append(f"{label}: address read leniently from {snippet(value)}")
    return pairs


def parse_header_date(value: str | None, notes: list[str]) -> datetime | None:
    """The Date header as an aware UTC datetime, or None when it is missing or unreadable."""
    if value is None:
        return None
    try:
        result = parse_mail_date(value)
        moment, reasons = result.value, result.reasons
    except Exception:  # noqa: BLE001
        moment, reasons = None, ("unparseable",)
    if moment is not None:
        notes.extend(f"Date: {reason} in {snippet(value)}" for reason in reasons)
        return moment.astimezone(UTC)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        notes.append(f"Date: unreadable date {snippet(value)}")
        return None
    notes.append(f"Date: non-standard date {snippet(value)} read leniently")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def return_path(values: list[str]) -> str | None:
    """The Return-Path address: None when absent, "" for the null reverse-path `<>`."""
    if not values:
        return None
    value = values[0].strip()
    match = _MSG_ID.search(value)
    inner = match.group(1) if match else value
    return re.sub(r"\s+", "", inner)


def delivered_to(undecoded: dict[str, list[str]]) -> tuple[str, ...]:
    """Envelope recipients recorded by the receiving servers, in header order, de-duplicated."""
    found: list[str] = []
    for name in ("delivered-to", "x-original-to", "envelope-to"):
        for value in undecoded.get(name, []):
            for item in re.split(r"[,\s]+", value):
                item = item.strip().strip("<>").strip()
                if "@" in item:
                    found.append(item)
    return tuple(dict.fromkeys(found))
