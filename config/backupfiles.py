"""The files and folders of a backup folder DIR (config/backup.py writes it, config/backupset.py
lists, verifies and prunes it, config/restore.py reads it): its layout, and writing files 0600 in
0700 folders, durably, whatever the umask (complaints carry reporters' identities)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dumas.workflow.errors import StorageError
from dumas.workflow.store.filestore import KINDS, fsync_dir

FORMAT = 1
MANIFEST = "manifest.json"
LATEST = "latest"
STORE = "files"
CONFIG_NAME = "dumas.toml"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
PARTIAL_PREFIX = ".partial-"
# Held (flock) by a backup from start to end, pruning included: a second backup into the same DIR
# is refused, so nothing ever removes or prunes under a backup being written.
LOCK_NAME = ".backup"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20

Progress = Callable[[Iterable[Any], int, str], Iterable[Any]]


def no_progress(items: Iterable[Any], total: int, desc: str) -> Iterable[Any]:
    return items


def store_keys(root: Path) -> list[str]:
    """The content-addressed files under `root` (`<kind>/<aa>/<sha256>`), sorted. Anything else
    there (locks, temporary files, the authserv record) is not part of the store."""
    keys = []
    for kind in KINDS:
        base = root / kind
        if not base.is_dir():
            continue
        for sub in sorted(base.iterdir()):
            if not sub.is_dir():
                continue
            keys += [
                f"{kind}/{sub.name}/{f.name}"
                for f in sorted(sub.iterdir())
                if _HEX64.fullmatch(f.name) and f.name[:2] == sub.name and f.is_file()
            ]
    return keys


# --- files and folders ----------------------------------------------------------------------


def make_private_dir(path: Path) -> None:
    """Create `path` and its missing parents 0700, whatever the umask (`mkdir(parents=True)`
    would give the parents the umask's mode). A folder that exists is left as it is."""
    if path.is_dir():
        return
    make_private_dir(path.parent)
    path.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def create_private(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)


def write_synced(path: Path, data: bytes) -> None:
    """Write `data` to `path` 0600 and make it durable before the folder is renamed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(fd, 0o600)
        out.write(data)
        out.flush()
        os.fsync(fd)


def copy_private(src: Path, dst: Path) -> tuple[str, int]:
    """Copy `src` to `dst` (0600, durable, renamed into place); return (sha256, size)."""
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    digest, size = hashlib.sha256(), 0
    try:
        with open(src, "rb") as inp:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                while chunk := inp.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(fd)
        os.replace(tmp, dst)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"cannot copy {src} to {dst}: {exc.strerror}") from exc
    return digest.hexdigest(), size


def file_entry(path: Path) -> dict[str, Any]:
    return {"sha256": sha256_of(path), "size": path.stat().st_size}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as inp:
        while chunk := inp.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def remove_partials(target: Path) -> None:
    """Remove what killed backups left: their folders were never renamed into place."""
    for leftover in target.glob(PARTIAL_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)


def free_name(target: Path, stamp: str) -> Path:
    """`target/stamp`, or `stamp-2`, `stamp-3`… when a backup of the same second exists."""
    candidate, n = target / stamp, 1
    while candidate.exists():
        n += 1
        candidate = target / f"{stamp}-{n}"
    return candidate


def write_latest(target: Path, name: str) -> None:
    tmp = target / f".{LATEST}.{os.getpid()}.tmp"
    write_synced(tmp, f"{name}\n".encode())
    os.replace(tmp, target / LATEST)
    fsync_dir(target)
