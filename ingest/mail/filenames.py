"""Attachment filenames that are safe to store, show and hand back to a browser or a desktop.

A sender chooses the name: it may be `../../etc/passwd`, `C:\\Windows\\x.exe`, contain NUL, line
breaks, a right-to-left override that turns `gpj.exe` into `exe.jpg` on screen, a Windows device
name, or be 5,000 characters long. `safe_filename` keeps the last path component of what the
sender wrote, readable, and turns everything dangerous into something harmless; it never returns
an empty name. The original stays available separately for display.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata

MAX_CHARS = 150
MAX_BYTES = 200  # well under the 255-byte limit of common file systems
_MAX_EXTENSION = 16

# Characters Windows refuses in names; replaced so a downloaded file keeps its name everywhere.
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_SEPARATORS = re.compile(r"[/\\]")
_WHITESPACE = re.compile(r"\s+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9_+-]{1,%d}$" % (_MAX_EXTENSION - 1))
_RESERVED = {"con", "prn", "aux", "nul", "clock$"} | {
    f"{p}{n}" for p in ("com", "lpt") for n in range(10)
}
# Control, format (bidi overrides, zero-width), surrogate and line/paragraph separators.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}

_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "text/csv": ".csv",
    "text/rfc822-headers": ".txt",
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "application/pdf": ".pdf",
    "application/ms-tnef": ".dat",
    "application/vnd.ms-tnef": ".dat",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/zip": ".zip",
    "application/pgp-signature": ".asc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "audio/mpeg": ".mp3",
    "video/mp4": ".mp4",
}


def extension_for(content_type: str) -> str:
    """A file extension (with the dot) for a MIME type; ".bin" when nothing better is known."""
    content_type = content_type.lower()
    known = _EXTENSIONS.get(content_type)
    if known:
        return known
    guessed = mimetypes.guess_extension(content_type, strict=False) or ""
    return guessed if re.fullmatch(r"\.[a-z0-9]{1,8}", guessed) else ".bin"


def fallback_filename(index: int, content_type: str) -> str:
    """The name of an attachment whose sender gave none: `lampiran-3.pdf`."""
    return f"lampiran-{index}{extension_for(content_type)}"


def _visible(name: str) -> str:
    out = []
    for char in name:
        category = unicodedata.category(char)
        if char in "\t\n\r\v\f":
            out.append(" ")
        elif category not in _UNSAFE_CATEGORIES:
            out.append(char)
    return "".join(out)


def _last_component(name: str) -> str:
    parts = [p for p in _SEPARATORS.split(name) if p.strip(" .")]
    return parts[-1] if parts else ""


def _split_extension(name: str) -> tuple[str, str]:
    match = _EXTENSION.search(name)
    if match and match.start() > 0:
        return name[: match.start()], match.group(0)
    return name, ""


def _fit(stem: str, extension: str, suffix: str = "") -> str:
    """stem + suffix + extension, the stem shortened to stay within MAX_CHARS and MAX_BYTES."""
    tail = suffix + extension
    stem = stem[: max(MAX_CHARS - len(tail), 1)]
    budget = MAX_BYTES - len(tail.encode("utf-8"))
    while len(stem.encode("utf-8")) > budget and len(stem) > 1:
        stem = stem[:-1]
    return stem.rstrip(" .") + tail


def _clean(name: str) -> str:
    """The sender's name made harmless; "" when nothing usable is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = _last_component(_visible(name))
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = _WHITESPACE.sub(" ", name).strip().lstrip(".").strip().rstrip(". ")
    if name and name.split(".", 1)[0].strip().lower() in _RESERVED:
        name = "_" + name
    return name


def safe_filename(original: str, *, index: int, content_type: str) -> str:
    """A safe name for attachment number `index` (1-based) from the name the sender gave.

    Guarantees: no `/` or `\\`, no `.` or `..` name, no leading dot, no control or format
    characters, NFC-normalized, at most MAX_CHARS characters and MAX_BYTES bytes, never empty
    (falls back to `lampiran-<index><ext>` with the extension of `content_type`).
    """
    name = _clean(original)
    if not name:
        return fallback_filename(index, content_type)
    return unicodedata.normalize("NFC", _fit(*_split_extension(name)))


def name_from_subject(subject: str) -> str:
    """The name of a forwarded message attachment: its subject + `.eml`, or `pesan-terusan.eml`."""
    stem = _clean(_SEPARATORS.sub("-", (subject or "").replace(":", "")))
    return unicodedata.normalize("NFC", _fit(stem or "pesan-terusan", ".eml"))


class UniqueNames:
    """Hands out names so that no two attachments of one message share one (case-insensitive):
    `foto.jpg`, `foto (2).jpg`, `foto (3).jpg`... in amortized constant time per name."""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self._next: dict[str, int] = {}

    def claim(self, name: str) -> str:
        key = name.lower()
        if key not in self._taken:
            self._taken.add(key)
            return name
        stem, extension = _split_extension(name)
        counter = self._next.get(key, 2)
        while True:
            candidate = _fit(stem, extension, f" ({counter})")
            counter += 1
            if candidate.lower() not in self._taken:
                self._next[key] = counter
                self._taken.add(candidate.lower())
                return candidate
