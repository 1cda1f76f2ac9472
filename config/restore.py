"""Restoring a backup written by `config/backup.py` (`dumas restore DIR`).

The manifest's hashes are checked first, every file of the backup, before anything is written: a
damaged backup is refused whole rather than half restored. So is a backup whose database is at a
migration this code does not know (written by a newer Dumas: the code could not read it); one at
an older migration is restored, then upgraded (Alembic, as `dumas init` does). The database goes
into a fresh place; one that already holds tables is overwritten only with `force`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url

from dumas.config.backup import database_kind, run_pg, sqlite_path
from dumas.config.backupfiles import Progress, copy_private, make_private_dir, no_progress
from dumas.config.backupset import Backup
from dumas.workflow.errors import DumasError
from dumas.workflow.store.db import head_revision, known_revision, upgrade


@dataclass(frozen=True)
class RestoreResult:
    database: str
    store_files: int
    copied_files: int
    upgraded_from: str | None = None  # the backup's migration, when it was older than the code's


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
    head = head_revision(database_url)
    if backup.revision is not None and not known_revision(database_url, backup.revision):
        raise DumasError(
            f"this backup's database is at migration {backup.revision}, newer than this code's "
            f"{head}: restore it with the Dumas version that wrote it (or a newer one); "
            "nothing was restored"
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
    # An older schema is brought up to the code's, as `dumas init` would; a backup that recorded
    # no revision is upgraded too (Alembic refuses one it does not know).
    older = backup.revision != head
    if older:
        upgrade(database_url)
    return RestoreResult(kind, len(entries), copied, backup.revision if older else None)


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
