"""The content-addressed file store: raw messages, attachments and generated documents.

A file's key is `<kind>/<aa>/<sha256>` (aa = the first two hex digits). Names never come from a
message, so nothing a sender writes can choose a path; the original filename is only kept in the
database. Files are written to a temporary name and renamed, mode 0600, and never rewritten: the
same bytes map to the same key, which makes every write idempotent after a crash.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from dumas.workflow.errors import StorageError

KINDS = ("raw", "att", "doc", "report")


class FileStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._pending_sync: list[Path] = []
        self._dirs: set[Path] = set()  # folders known to exist: one mkdir each, not one per file

    def put(self, kind: str, data: bytes, sync: bool = False) -> tuple[str, str]:
        """Store `data`; return `(key, sha256)`. With `sync=False` call `flush()` before committing."""
        digest = hashlib.sha256(data).hexdigest()
        key = self.key_for(kind, digest)
        path = self.root / key
        if not path.exists():
            self._write_new(path, data)
            if sync:
                fsync_file(path)
                fsync_dir(path.parent)
            else:
                self._pending_sync.append(path)
        return key, digest

    def key_for(self, kind: str, digest: str) -> str:
        if (
            kind not in KINDS
            or len(digest) != 64
            or not all(c in "0123456789abcdef" for c in digest)
        ):
            raise StorageError(f"invalid storage key parts {kind!r}/{digest!r}")
        return f"{kind}/{digest[:2]}/{digest}"

    def path(self, key: str) -> Path:
        """The file for a key from the database; refuses anything that is not one of our keys."""
        parts = key.split("/")
        if len(parts) != 3:
            raise StorageError(f"invalid storage key {key!r}")
        self.key_for(parts[0], parts[2])
        return self.root / key

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read stored file {key}: {exc.strerror}") from exc

    def open(self, key: str) -> BinaryIO:
        """The stored file, open for reading: the sender streams attachments from it."""
        try:
            return self.path(key).open("rb")
        except OSError as exc:
            raise StorageError(f"cannot read stored file {key}: {exc.strerror}") from exc

    def size(self, key: str) -> int:
        """The stored file's size in bytes, without reading it (the sender checks its cap first)."""
        try:
            return self.path(key).stat().st_size
        except OSError as exc:
            raise StorageError(f"cannot read stored file {key}: {exc.strerror}") from exc

    def flush(self) -> None:
        """Make every file written since the last flush durable (one call per batch commit)."""
        dirs = set()
        for path in self._pending_sync:
            fsync_file(path)
            dirs.add(path.parent)
        for d in dirs:
            fsync_dir(d)
        self._pending_sync.clear()

    def _write_new(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            if path.parent not in self._dirs:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._dirs.add(path.parent)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"cannot store file under {self.root}: {exc.strerror}") from exc


def fsync_file(path: Path) -> None:
    """Flush a written file to disk (the store and backups rename only what is on disk)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries, so a rename into it survives a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
