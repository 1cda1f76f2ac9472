"""Restoring a backup written by `config/backup.py` (`dumas restore DIR`).

The manifest's hashes are checked first, every file of the backup, before anything is written: a
damaged backup is refused whole rather than half restored. The database goes into a fresh place;
one that already holds tables is overwritten only with `force`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, make_url

from dumas.config.backup import (
    LATEST,
    MANIFEST,
    STORE,
    Progress,
    copy_private,
    database_kind,
    make_private_dir,
    no_progress,
    run_pg,
    sha256_of,
    sqlite_path,
)
from dumas.workflow.errors import DumasError
from dumas.workflow.store.filestore import FileStore


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
    def database_file(self) -> Path:
        return self.folder / _plain_name(self.manifest["database"]["file"])


@dataclass(frozen=True)
class RestoreResult:
    database: str
    store_files: int
    copied_files: int


def find_backup(path: Path) -> Path:
    """`path` itself when it is one backup, else the one its `latest` names."""
    if (path / MANIFEST).is_file():
        return path
    pointer = path / LATEST
    if pointer.is_file():
        return path / _plain_name(pointer.read_text(encoding="utf-8").strip())
    raise DumasError(f"{path} holds no backup (neither {MANIFEST} nor a `{LATEST}` pointer)")


def verify(path: Path, progress: Progress = no_progress) -> Backup:
    """Read the backup at `path` and check every file against its manifest; raise if any is
    missing or changed."""
    folder = find_backup(Path(path))
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DumasError(f"cannot read {folder / MANIFEST}: {exc}") from None
    backup = Backup(folder, manifest)
    store = FileStore(backup.store_root)
    checks = [(folder / _plain_name(n), e["sha256"]) for n, e in manifest["files"].items()]
    checks += [(store.path(e["key"]), e["sha256"]) for e in manifest["store"]]
    bad = [
        str(p)
        for p, want in progress(checks, len(checks), "restore: verifying")
        if not p.is_file() or sha256_of(p) != want
    ]
    if bad:
        raise DumasError(
            f"backup {folder} is damaged: {len(bad)} file(s) missing or changed "
            f"(first: {', '.join(bad[:3])}); nothing was restored"
        )
    return backup


def restore(
    backup: Backup,
    database_url: str,
    storage_root: Path,
    *,
    force: bool = False,
    progress: Progress = no_progress,
) -> RestoreResult:
    """Put a verified backup's database at `database_url` and its files under `storage_root`."""
    kind = database_kind(database_url)
    if kind != backup.kind:
        raise DumasError(
            f"this backup holds a {backup.kind} database; [database] url is {kind}: "
            "restore into a database of the same kind"
        )
    if kind == "sqlite":
        _restore_sqlite(backup.database_file, sqlite_path(database_url), force)
    else:
        _restore_postgres(backup.database_file, database_url, force)
    make_private_dir(storage_root)
    copied = 0
    entries = backup.manifest["store"]
    for entry in progress(entries, len(entries), "restore: files"):
        dst = storage_root / entry["key"]
        if not dst.exists():  # content-addressed: a file already there is the same bytes
            make_private_dir(dst.parent)
            copy_private(backup.store_root / entry["key"], dst)
            copied += 1
    return RestoreResult(kind, len(entries), copied)


def _restore_sqlite(src: Path, dst: Path, force: bool) -> None:
    if dst.exists() and dst.stat().st_size > 0 and not force:
        raise DumasError(f"{dst} already holds a database: restore into a fresh place, or --force")
    make_private_dir(dst.parent)
    copy_private(src, dst)  # to a temporary name, then renamed over the old file
    for stale in ("-wal", "-shm", "-journal"):
        # The overwritten database's journal would be replayed into the restored one.
        Path(f"{dst}{stale}").unlink(missing_ok=True)


def _restore_postgres(src: Path, url: str, force: bool) -> None:
    engine = create_engine(url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables and not force:
        name = make_url(url).database
        raise DumasError(
            f"database {name} already holds tables: restore into a fresh database, or --force"
        )
    args = ["--no-owner", "--exit-on-error"] + (["--clean", "--if-exists"] if tables else [])
    run_pg("pg_restore", [*args, str(src)], url)


def _plain_name(name: str) -> str:
    """A name from the backup folder, refused if it would lead outside it."""
    if not name or name != os.path.basename(name) or name in (".", ".."):
        raise DumasError(f"not a file name of a backup: {name!r}")
    return name
