"""The backups in DIR as a set: finding one, verifying it against its manifest, and retention
(`dumas backup DIR --keep N`: the newest N complete backups are kept, older ones removed).

What counts as a backup: a folder named by its time (`20261102T020000Z`, `…-2` for a second one
in the same second) holding `manifest.json`. A backup being written, or one killed mid-way, is a
hidden `.partial-*` folder without that name: it is never one of the N, so a kill cannot make
pruning take a whole backup in its place.

Pruning runs only inside `run_backup`, under DIR's lock, after the new backup is verified and
renamed into place; it never removes the newest backup nor the one `latest` names. An old backup
is first renamed to a `.partial-*` name (one atomic step: it stops being a backup), then deleted;
a kill meanwhile leaves a partial folder that the next backup removes. Shared files under
`files/` that no kept backup names any more are deleted last (with the file store never deleting,
these are mostly what killed backups copied): a kill there leaves only unneeded files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dumas.config.backupfiles import (
    LATEST,
    LOCK_NAME,
    MANIFEST,
    PARTIAL_PREFIX,
    STORE,
    Progress,
    no_progress,
    sha256_of,
    store_keys,
)
from dumas.config.locks import AlreadyRunning, job_lock
from dumas.workflow.errors import DumasError
from dumas.workflow.store.filestore import FileStore

_BACKUP_NAME = re.compile(r"(\d{8}T\d{6}Z)(?:-(\d+))?")


@dataclass(frozen=True)
class Backup:
    folder: Path
    manifest: dict[str, Any]

    @property
    def store_root(self) -> Path:
        return self.folder.parent / STORE

    @property
    def kind(self) -> str:
        return str(self.manifest["database"]["kind"])

    @property
    def revision(self) -> str | None:
        """The database's Alembic revision when it was backed up (None: not recorded)."""
        value = self.manifest["database"].get("revision")
        return str(value) if value else None

    @property
    def database_file(self) -> Path:
        return self.folder / plain_name(self.manifest["database"]["file"])


@dataclass(frozen=True)
class Pruned:
    backups: tuple[str, ...]  # folder names removed, oldest first
    store_files: int  # shared files no kept backup named, removed


@contextmanager
def holding(target: Path) -> Iterator[None]:
    """DIR's lock, for a backup (which may prune) or a restore (which must not see files pruned
    from under it); refused at once when another holds it. A DIR this user cannot write (a
    read-only copy elsewhere) is read without it: nothing prunes there."""
    with ExitStack() as stack:
        if os.access(target, os.W_OK):
            try:
                stack.enter_context(job_lock(target, LOCK_NAME, wait=False))
            except AlreadyRunning:
                raise DumasError(
                    f"another backup or restore is using {target}: try again when it ends"
                ) from None
        yield


def find_backup(path: Path) -> Path:
    """`path` itself when it is one backup, else the one its `latest` names."""
    if (path / MANIFEST).is_file():
        return path
    pointer = path / LATEST
    if pointer.is_file():
        return path / plain_name(pointer.read_text(encoding="utf-8").strip())
    raise DumasError(f"{path} holds no backup (neither {MANIFEST} nor a `{LATEST}` pointer)")


def verify(path: Path, progress: Progress = no_progress) -> Backup:
    """Read the backup at `path` and check every file against its manifest; raise if any is
    missing or changed."""
    folder = find_backup(Path(path))
    backup = Backup(folder, read_manifest(folder))
    store = FileStore(backup.store_root)
    names = backup.manifest["files"].items()
    checks = [(folder / plain_name(n), e["sha256"]) for n, e in names]
    checks += [(store.path(e["key"]), e["sha256"]) for e in backup.manifest["store"]]
    bad = [
        str(p)
        for p, want in progress(checks, len(checks), "verifying")
        if not p.is_file() or sha256_of(p) != want
    ]
    if bad:
        raise DumasError(
            f"backup {folder} is damaged: {len(bad)} file(s) missing or changed "
            f"(first: {', '.join(bad[:3])})"
        )
    return backup


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DumasError(f"cannot read {folder / MANIFEST}: {exc}") from None
    if not isinstance(manifest, dict):
        raise DumasError(f"{folder / MANIFEST} is not a backup manifest")
    return manifest


def complete_backups(target: Path) -> list[str]:
    """The names of the complete backups in `target`, oldest first (by the time in the name)."""
    found = []
    for entry in target.iterdir():
        m = _BACKUP_NAME.fullmatch(entry.name)
        if m and entry.is_dir() and (entry / MANIFEST).is_file():
            found.append((m[1], int(m[2] or 1), entry.name))
    return [name for _, _, name in sorted(found)]


def prune(target: Path, keep: int, newest: str) -> Pruned:
    """Remove the complete backups older than the newest `keep`, then the shared files none of
    the kept ones names. `newest` (the backup just written) and `latest` are always kept. The
    caller holds DIR's lock."""
    if keep < 1:
        raise DumasError("keep at least one backup")
    names = complete_backups(target)
    kept = set(names[-keep:]) | {newest}
    pointer = target / LATEST
    if pointer.is_file():
        kept.add(pointer.read_text(encoding="utf-8").strip())
    removed = [name for name in names if name not in kept]
    for name in removed:
        doomed = target / f"{PARTIAL_PREFIX}pruned-{name}"
        os.rename(target / name, doomed)  # no longer a backup, in one step
        shutil.rmtree(doomed)
    return Pruned(tuple(removed), _collect_garbage(target, [n for n in names if n in kept]))


def _collect_garbage(target: Path, kept: list[str]) -> int:
    needed: set[str] = set()
    for name in kept:
        try:
            needed |= {str(e["key"]) for e in read_manifest(target / name)["store"]}
        except (DumasError, KeyError, TypeError):
            return 0  # a kept manifest we cannot read: delete no shared file rather than guess
    root = target / STORE
    if not root.is_dir():
        return 0
    removed = 0
    for key in store_keys(root):
        if key not in needed:
            (root / key).unlink()
            removed += 1
    # Temporary copies a killed backup left (`.<hash>.<pid>.tmp`): never part of any backup.
    for leftover in root.glob("*/*/.*.tmp"):
        leftover.unlink(missing_ok=True)
    return removed


def plain_name(name: str) -> str:
    """A name from the backup folder, refused if it would lead outside it."""
    if not name or name != os.path.basename(name) or name in (".", ".."):
        raise DumasError(f"not a file name of a backup: {name!r}")
    return name
