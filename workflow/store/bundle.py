"""A zip bundle for handing files over (`dumas export`): safe entry names, hashes, byte-identical.

What goes in is chosen by the caller; this module only makes the archive trustworthy for whoever
receives it (DKPP, Bawaslu, a court):

- entry names come from senders (attachment names), so each is reduced to one safe path
  component — no "../", no absolute path, no drive letter, no control characters — and made
  unique within its folder, case aside (unzipping on Windows or macOS must not overwrite one
  file with another);
- every entry's SHA-256 is recorded, then written as `MANIFEST.json` (with the caller's fields)
  and as `SHA256SUMS` in `sha256sum -c` format, so the receiver can check it without our code;
- entries carry one given timestamp and fixed attributes, so the same content exported at the
  same instant is the same bytes;
- the zip is written to a temporary file beside its destination, mode 0600 (it names a
  whistleblower), and renamed into place: a crash leaves no half archive under the final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from dumas.workflow.errors import StorageError

MANIFEST = "MANIFEST.json"
SUMS = "SHA256SUMS"
# Long enough for any real name, short enough for every file system once a folder is added.
MAX_NAME = 120
# Characters Windows refuses in a name, and the path separators of every system.
_RESERVED = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_DEVICES = re.compile(r"(?i)^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")
# A file added from disk passes through memory this much at a time, however large it is.
CHUNK = 1 << 20


def safe_zip_name(name: str, fallback: str = "berkas") -> str:
    """One path component for a zip entry from an untrusted file name.

    Only the last component of a path-like name is kept ("../../etc/passwd" -> "passwd",
    "C:\\x\\y.jpg" -> "y.jpg"); control and reserved characters become "_"; leading dots and
    trailing dots and spaces go (no hidden files, no ".."); an empty result is `fallback`.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch if ch.isprintable() else "_" for ch in text)
    text = _RESERVED.sub("_", text)
    text = " ".join(text.split()).lstrip(".").rstrip(". ")
    if _WINDOWS_DEVICES.match(text):
        text = f"_{text}"
    if len(text) > MAX_NAME:
        m = _EXTENSION.search(text)
        ext = m.group(0) if m else ""
        text = text[: MAX_NAME - len(ext)].rstrip(". ") + ext
    return text or fallback


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or "name (2).ext", "name (3).ext"… if the folder already holds it (case aside).
    Adds the result to `taken` (lower-cased)."""
    candidate, n = name, 1
    m = _EXTENSION.search(name)
    stem, ext = (name[: m.start()], m.group(0)) if m else (name, "")
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}){ext}"
    taken.add(candidate.lower())
    return candidate


class Bundle:
    """The entries of one export, written at `finish`.

    Entries are kept on disk in the zip being written (not in memory): a case's attachments may
    be tens of megabytes each.
    """

    def __init__(self, out: Path, when: datetime):
        self.out = Path(out)
        self._date_time = (
            max(when.year, 1980),
            when.month,
            when.day,
            when.hour,
            when.minute,
            when.second,
        )
        self._tmp = self.out.with_name(f".{self.out.name}.{os.getpid()}.tmp")
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an old temporary file left by a crash keeps no wider mode
        self._file = os.fdopen(fd, "w+b")
        self._zip = zipfile.ZipFile(self._file, "w", compression=zipfile.ZIP_DEFLATED)
        self._taken: dict[str, set[str]] = {}
        self.files: list[dict[str, Any]] = []

    def add(self, folder: str, name: str, data: bytes, **about: Any) -> str:
        """Add `data` as `folder/name` (name made safe and unique); return the entry's path.
        `about` is recorded with the entry in the manifest."""
        path = self._entry_path(folder, name)
        self._write(path, data)
        self.files.append(
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} | about
        )
        return path

    def add_file(self, folder: str, name: str, src: Path, **about: Any) -> str:
        """Add the file `src` as `folder/name`, read and compressed `CHUNK` bytes at a time (a
        stored email or attachment may be tens of megabytes); the same entry bytes as `add`."""
        path = self._entry_path(folder, name)
        info = self._info(path)
        digest, size = hashlib.sha256(), 0
        try:
            with open(src, "rb") as inp:
                # Known beforehand, as `writestr` knows it: zipfile decides on ZIP64 from it.
                info.file_size = os.fstat(inp.fileno()).st_size
                with self._zip.open(info, "w") as out:
                    while chunk := inp.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        except OSError as exc:
            raise StorageError(f"cannot read {src} for the export: {exc.strerror}") from exc
        self.files.append({"path": path, "sha256": digest.hexdigest(), "size": size} | about)
        return path

    def _entry_path(self, folder: str, name: str) -> str:
        taken = self._taken.setdefault(folder, set())
        return "/".join(p for p in (folder, unique_name(safe_zip_name(name), taken)) if p)

    def finish(self, manifest: dict[str, Any]) -> Path:
        """Write `MANIFEST.json` (`manifest` plus the list of files) and `SHA256SUMS`, close the
        zip and rename it into place."""
        body = (
            json.dumps(
                manifest | {"files": self.files}, ensure_ascii=False, indent=2, sort_keys=False
            ).encode()
            + b"\n"
        )
        self._write(MANIFEST, body)
        sums = [(f["sha256"], f["path"]) for f in self.files]
        sums.append((hashlib.sha256(body).hexdigest(), MANIFEST))
        self._write(SUMS, "".join(f"{h}  {p}\n" for h, p in sums).encode())
        self._zip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.out)
        return self.out

    def abort(self) -> None:
        """Drop the half-written archive (the destination is left as it was)."""
        with contextlib.suppress(OSError, ValueError):
            self._zip.close()
        self._file.close()
        self._tmp.unlink(missing_ok=True)

    def _write(self, path: str, data: bytes) -> None:
        self._zip.writestr(self._info(path), data)

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3  # Unix, wherever it was made: the same bytes on every machine
        info.external_attr = 0o600 << 16
        return info
