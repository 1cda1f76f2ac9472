"""Backups: `dumas backup DIR` (restoring is `config/restore.py`).

DIR holds one folder per backup, named after the clock's instant (`20261102T020000Z`), a shared
`files/` tree (the file store's content-addressed files: a file already there from an earlier
backup is never copied again) and `latest`, the name of the newest complete backup. A backup
folder holds the database copy, the config with its secrets blanked, and `manifest.json`: the
SHA-256 of every file the backup needs, its own and those in `files/`.

Crash safety: a backup is built in a hidden `.partial-*` folder, verified against its manifest and
renamed into place only then; `latest` is replaced atomically after. A file enters `files/` under
a temporary name and is renamed; only pruning (`config/backupset.py`, `--keep N`) removes files
there, those no kept backup names. A backup killed at any point leaves the previous ones whole,
and the next run removes the partial folder. DIR's lock (`.backup.lock`) allows one backup (or restore) at
a time, so nothing is removed from under a backup being written or read.

The file helpers and DIR's layout are in `config/backupfiles.py`; verifying and pruning the set of
backups in `config/backupset.py`.

Consistency: the database is copied first (SQLite's online backup API, or `pg_dump`: both a
snapshot), the files after. A file is written to the store before the transaction naming it
commits and the store never deletes, so every file the snapshot names is there to be copied.

Everything is written 0600 in 0700 folders: complaints carry reporters' identities.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from dumas.config.backupfiles import (
    CONFIG_NAME,
    DATABASE_FILES,
    FORMAT,
    MANIFEST,
    PARTIAL_PREFIX,
    STORE,
    Progress,
    copy_private,
    create_private,
    file_entry,
    free_name,
    make_private_dir,
    no_progress,
    remove_partials,
    store_keys,
    write_latest,
    write_synced,
)
from dumas.config.backupset import Pruned, holding, prune, verify
from dumas.config.settings import Settings
from dumas.workflow.errors import DumasError, StorageError
from dumas.workflow.store.filestore import fsync_dir, fsync_file

# Tests only: "FIFO:N" makes a backup announce on FIFO that it has copied N store files, then wait
# for a signal, so a test can SIGKILL it at a known point instead of guessing with sleeps.
PAUSE_ENV = "DUMAS_TEST_BACKUP_PAUSE"


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    database: str
    store_files: int
    copied_files: int
    copied_bytes: int
    total_bytes: int
    pruned: Pruned = Pruned((), 0)


def run_backup(
    settings: Settings,
    target: Path,
    now: datetime,
    *,
    revision: str | None = None,
    keep: int | None = None,
    progress: Progress = no_progress,
) -> BackupResult:
    """Write a complete backup into `target` (created 0700 if missing), verify it, then keep only
    the newest `keep` backups (None: prune nothing); return what it did. One backup at a time per
    `target`: a second one is refused while the first runs."""
    target = Path(target)
    make_private_dir(target)
    with holding(target):
        return _backup(settings, target, now, revision, keep, progress)


def _backup(
    settings: Settings,
    target: Path,
    now: datetime,
    revision: str | None,
    keep: int | None,
    progress: Progress,
) -> BackupResult:
    remove_partials(target)  # under the lock: only what killed backups left
    work = Path(tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=target))  # 0700 by mkdtemp
    kind = database_kind(settings.database_url)
    db_file = work / DATABASE_FILES[kind]
    dump_database(settings.database_url, kind, db_file)
    own = {db_file.name: file_entry(db_file)}
    if settings.path is not None:
        config = work / CONFIG_NAME
        write_synced(config, blank_secrets(settings.path.read_text(encoding="utf-8")).encode())
        own[CONFIG_NAME] = file_entry(config)
    store, copied, copied_bytes = copy_store(settings.storage_root, target / STORE, progress)
    manifest = {
        "format": FORMAT,
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "database": {"kind": kind, "file": db_file.name, "revision": revision},
        "files": own,
        "store": store,
    }
    write_synced(work / MANIFEST, json.dumps(manifest, indent=1).encode())
    fsync_dir(work)
    # Read back from disk before it becomes a backup: a damaged one stays partial (removed by the
    # next run), `latest` keeps naming the previous one and nothing is pruned.
    try:
        verify(work, progress=progress)
    except DumasError as exc:
        raise DumasError(f"the new backup does not verify, nothing was pruned: {exc}") from None
    final = free_name(target, now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    os.rename(work, final)
    write_latest(target, final.name)
    pruned = prune(target, keep, final.name) if keep is not None else Pruned((), 0)
    total = sum(e["size"] for e in store) + sum(e["size"] for e in own.values())
    return BackupResult(final, kind, len(store), copied, copied_bytes, total, pruned)


# --- the database ---------------------------------------------------------------------------


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_FILES:
        raise DumasError(f"cannot back up a {backend} database (SQLite and PostgreSQL only)")
    return backend


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise DumasError("[database] url names no SQLite file to back up or restore")
    return Path(database)


def dump_database(url: str, kind: str, dst: Path) -> None:
    create_private(dst)
    if kind == "sqlite":
        _sqlite_copy(sqlite_path(url), dst)
    else:
        run_pg("pg_dump", ["--format=custom", "--no-owner", "--file", str(dst)], url)


def _sqlite_copy(src_path: Path, dst: Path) -> None:
    if not src_path.is_file():
        raise DumasError(f"no database at {src_path}: run `dumas init` first")
    src = sqlite3.connect(src_path)
    try:
        out = sqlite3.connect(dst)
        try:
            src.backup(out)  # one step: a consistent snapshot even while the daemon writes
            # One self-contained file: WAL mode would travel with the pages otherwise.
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
    finally:
        src.close()
    fsync_file(dst)


def run_pg(tool: str, args: list[str], url: str) -> None:
    """Run `pg_dump`/`pg_restore` on `url`; the password goes by environment, not argv (which
    every local user can read in `ps`)."""
    exe = shutil.which(tool)
    if exe is None:
        raise DumasError(f"{tool} not found: install the PostgreSQL client (postgresql-client)")
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run(
        [exe, *args, "--dbname", dsn], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise DumasError(f"{tool} failed: {lines[-1]}")


# --- the file store -------------------------------------------------------------------------


def copy_store(
    src_root: Path, dst_root: Path, progress: Progress
) -> tuple[list[dict[str, Any]], int, int]:
    """Copy the store's files missing from `dst_root`; return (manifest entries, files copied,
    bytes copied). A file already there is the same content: its name is its hash."""
    keys = store_keys(src_root)
    entries, copied, copied_bytes, dirs = [], 0, 0, set()
    make_private_dir(dst_root)
    pause = _pause_point()
    for key in progress(keys, len(keys), "backup: files"):
        src, dst = src_root / key, dst_root / key
        if not dst.exists():
            make_private_dir(dst.parent)
            digest, size = copy_private(src, dst)
            if digest != key.rsplit("/", 1)[1]:
                dst.unlink()
                raise StorageError(
                    f"stored file {key} does not match its hash: the store is damaged"
                )
            copied, copied_bytes = copied + 1, copied_bytes + size
            dirs.add(dst.parent)
            if pause and copied == pause[1]:
                _pause(pause[0], copied)
        entries.append({"key": key, "sha256": key.rsplit("/", 1)[1], "size": dst.stat().st_size})
    for d in dirs:
        fsync_dir(d)
    return entries, copied, copied_bytes


def _pause_point() -> tuple[str, int] | None:
    value = os.environ.get(PAUSE_ENV, "")
    fifo, _, count = value.rpartition(":")
    return (fifo, int(count)) if fifo and count.isdigit() else None


def _pause(fifo: str, copied: int) -> None:
    with open(fifo, "w", encoding="ascii") as out:
        out.write(f"copied {copied}\n")
    signal.pause()  # until the test's SIGKILL


# --- the config -----------------------------------------------------------------------------

# [oauth2] token_url and token_file name where a token is, not a token: kept, or the copy would
# not load again.
_SECRET_KEY = re.compile(r"password|secret|token(?!_url|_file)", re.IGNORECASE)
_ASSIGN = re.compile(r"""^(\s*)([A-Za-z0-9_-]+)(\s*=\s*)("[^"\\]*"|'[^']*')(\s*(?:#.*)?)$""")
_URL_PASSWORD = re.compile(r"""(://[^:/@\s"']*):[^@\s"']+@""")


def blank_secrets(text: str) -> str:
    """The config file with every password, secret and token set to "" (and any password in a
    URL removed), comments kept. Refuses a secret it could not blank rather than copy it."""
    lines = []
    for line in text.splitlines(keepends=True):
        m = _ASSIGN.match(line.rstrip("\r\n"))
        if m and _SECRET_KEY.search(m[2]) and m[4] not in ('""', "''"):
            line = f'{m[1]}{m[2]}{m[3]}""  # blanked by dumas backup\n'
        else:
            line = _URL_PASSWORD.sub(r"\1@", line)
        lines.append(line)
    blanked = "".join(lines)
    left = list(_secrets_left(tomllib.loads(blanked), ""))
    if left:
        raise DumasError(
            f'cannot blank {left[0]} in the config copy: write it on one line as key = "value"'
        )
    return blanked


def _secrets_left(doc: dict[str, Any], where: str) -> Iterator[str]:
    for key, value in doc.items():
        name = f"{where}.{key}" if where else key
        if isinstance(value, dict):
            yield from _secrets_left(value, name)
        elif isinstance(value, str) and (
            (_SECRET_KEY.search(key) and value) or _URL_PASSWORD.search(value)
        ):
            yield name
