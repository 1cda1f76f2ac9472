"""Bytes → text for mail, tolerant of what real mailboxes contain.

Declared charsets are often wrong: "iso-8859-1" on UTF-8 text (webmail, PHP scripts), "utf-8" on
windows-1252 text (Outlook pasted from Word), made-up names (`x-unknown`, `unknown-8bit`), or none
at all on 8-bit text. `decode_bytes` never raises; it returns the text and, when it had to guess,
a readable note that the caller records as a defect.
"""

from __future__ import annotations

import codecs
import re

# Names seen in the wild that Python's codec registry does not know, mapped to the codec that
# decodes what those senders actually mean.
_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-gbk": "gbk",
    "gb2312": "gbk",  # senders labelled GBK text gb2312 for decades; GBK is a superset
    "iso-8859-8-i": "iso-8859-8",
    "x-sjis": "shift_jis",
    "x-mac-roman": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "x-user-defined": "windows-1252",
    "ansi_x3.4-1968": "ascii",
    "iso-latin-1": "latin-1",
}

# Codecs whose every byte sequence decodes: when the bytes also happen to be valid UTF-8 with
# non-ASCII characters, the label is almost certainly wrong (genuine single-byte text is valid
# UTF-8 only by rare accident).
_SINGLE_BYTE_PREFIXES = ("ascii", "latin", "iso8859", "cp125", "cp437", "cp850", "koi8", "mac-")

# Codecs whose ASCII bytes do not mean ASCII text (so the pure-ASCII shortcut must not be taken).
_NOT_ASCII_COMPATIBLE_PREFIXES = ("utf-16", "utf-32", "utf-7", "iso2022", "hz")

_SURROGATES = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    # windows-1252 leaves five bytes undefined; show them as their latin-1 (C1) characters
    # instead of losing them.
    if not isinstance(error, UnicodeDecodeError):  # only ever named when decoding
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("dumas-latin1", _latin1_fallback)


def normalize_charset(declared: str | None) -> str | None:
    """The codec name to use for a declared charset, or None when nothing usable was declared."""
    if not declared:
        return None
    name = str(declared).strip().strip("\"'").strip().lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*id
    if not name:
        return None
    if name.startswith("x-mac-"):
        name = "mac_" + name[6:]
    return _ALIASES.get(name, name)


def _codec(name: str | None) -> codecs.CodecInfo | None:
    if name is None or not name.isascii() or not name.isprintable():
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    # bytes-to-bytes codecs (base64, zlib, rot13...) are not text encodings
    return info if getattr(info, "_is_text_encoding", True) else None


def _windows_1252(data: bytes) -> str:
    return data.decode("windows-1252", "dumas-latin1")


def _guess(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown charset: UTF-8 when valid, else windows-1252 (never fails)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few broken bytes: keep the UTF-8 characters readable. Other multi-byte
    # charsets (GBK, Shift_JIS) form valid UTF-8 pairs by chance, hence the clear majority.
    escaped = data.decode("utf-8", "surrogateescape")
    broken = len(_ESCAPED_BYTES.findall(escaped))
    valid = len(_NON_ASCII.findall(escaped)) - broken
    if valid > 4 * broken:
        return data.decode("utf-8", "replace"), "utf-8 with replacement characters"
    return _windows_1252(data), "windows-1252"


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Decode `data` labelled with charset `declared`; returns (text, note or None).

    The note says what was guessed ("declared iso-8859-1 but the content is UTF-8"); it is
    None when the label was used as given.
    """
    name = normalize_charset(declared)
    info = _codec(name)
    codec = info.name if info else ""
    if data.isascii() and not codec.startswith(_NOT_ASCII_COMPATIBLE_PREFIXES):
        return data.decode("ascii"), None
    if info is None:
        text, used = _guess(data)
        if name is None:
            return text, f"8-bit text without a charset, decoded as {used}"
        return text, f"unknown charset {declared!r}, decoded as {used}"
    if codec == "utf-8":
        text, used = _guess(data)
        return text, None if used == "utf-8" else f"declared UTF-8 but invalid, decoded as {used}"
    if codec.startswith(_SINGLE_BYTE_PREFIXES):
        try:
            return data.decode("utf-8"), f"declared {declared} but the content is UTF-8"
        except UnicodeDecodeError:
            pass
        if codec == "ascii":
            return _windows_1252(data), f"declared {declared} but 8-bit, decoded as windows-1252"
        if codec in ("iso8859-1", "cp1252"):
            # What every browser does: a latin-1 label means windows-1252.
            return _windows_1252(data), None
    try:
        return data.decode(codec), None
    except (UnicodeError, ValueError, TypeError, LookupError):
        pass
    try:
        return data.decode("utf-8"), f"declared {declared} but the content is UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(codec, "replace"), f"invalid bytes for {declared} replaced"
    except (UnicodeError, ValueError, TypeError, LookupError):
        text, used = _guess(data)
        return text, f"charset {declared!r} failed, decoded as {used}"


def scrub_text(text: str) -> str:
    """Remove what no database or terminal should store: NUL characters and lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATES.sub("\ufffd", text)
    return text


def raw_header_text(value: str, hint: str | None = None) -> tuple[str, str | None]:
    """Undo the email package's surrogate escapes in a raw header value.

    Returns (text, guessed charset or None). Raw UTF-8 (RFC 6532) is decoded silently; other
    8-bit bytes are read in `hint` (the charset of the message body, which is what the sender's
    software used) when they decode in it, else as windows-1252.
    """
    if value.isascii():
        return value, None
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return scrub_text(value), "unknown"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    info = _codec(normalize_charset(hint))
    if info is not None and info.name in ("iso8859-1", "cp1252"):
        return _windows_1252(data), "windows-1252"
    if info is not None and info.name not in ("utf-8", "ascii"):
        try:
            return data.decode(info.name), info.name
        except (UnicodeError, ValueError, TypeError, LookupError):
            pass
    return _guess(data)
