"""CLI: backup and restore (config/backup.py, config/restore.py).

dumas backup DIR [--keep N]          one more backup in DIR, then keep the newest N (default:
                                     [backup] keep); nightly: config/dumas-backup.timer
dumas restore DIR                    into the configured [database] url and [storage] root
dumas restore DIR --into PATH        into PATH/dumas.sqlite3 and PATH/files (SQLite backups)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from dumas.config.app import App
from dumas.config.backup import run_backup
from dumas.config.backupfiles import CONFIG_NAME, make_private_dir
from dumas.config.backupset import find_backup, holding, verify
from dumas.config.cli.output import print_json
from dumas.config.cli.progress import progress
from dumas.config.restore import restore
from dumas.workflow.errors import DumasError
from dumas.workflow.store.db import current_revision, head_revision


def add_backup_commands(sub) -> None:
    p = sub.add_parser("backup", help="back up the database, the files and the config into DIR")
    p.add_argument("dir", type=Path, metavar="DIR")
    p.add_argument(
        "--keep",
        type=_at_least_one,
        metavar="N",
        help="keep the newest N backups in DIR, remove older ones (default: [backup] keep)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore the latest backup in DIR into a fresh place")
    p.add_argument("dir", type=Path, metavar="DIR", help="a backup folder, or DIR with `latest`")
    p.add_argument(
        "--into",
        type=Path,
        metavar="PATH",
        help="restore into PATH (dumas.sqlite3, files/, dumas.toml) instead of the configured "
        "[database] url and [storage] root",
    )
    p.add_argument("--force", action="store_true", help="overwrite a database that holds data")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_restore)


def cmd_backup(app: App, args) -> int:
    done = run_backup(
        app.settings,
        args.dir,
        app.clock.now(),
        revision=current_revision(app.engine),
        keep=args.keep or app.settings.backup.keep,
        progress=progress,
    )
    if args.json:
        print_json(
            {
                "folder": str(done.folder),
                "database": done.database,
                "store_files": done.store_files,
                "copied_files": done.copied_files,
                "copied_bytes": done.copied_bytes,
                "total_bytes": done.total_bytes,
                "pruned": list(done.pruned.backups),
                "pruned_store_files": done.pruned.store_files,
            }
        )
        return 0
    print(
        f"backup written to {done.folder} ({done.database} database, {done.store_files} stored "
        f"file(s), {done.copied_files} new: {_mb(done.copied_bytes)} copied, "
        f"{_mb(done.total_bytes)} in all)"
    )
    if done.pruned.backups:
        print(
            f"removed {len(done.pruned.backups)} older backup(s), keeping the newest "
            f"{args.keep or app.settings.backup.keep}: {', '.join(done.pruned.backups)}"
        )
    return 0


def cmd_restore(app: App, args) -> int:
    # A nightly backup into the same DIR could prune files of the backup being restored.
    with holding(find_backup(args.dir).parent):
        return _restore(app, args)


def _restore(app: App, args) -> int:
    try:
        backup = verify(args.dir, progress=progress)  # before anything is written
    except DumasError as exc:
        raise DumasError(f"{exc}; nothing was restored") from None
    if args.into:
        if backup.kind != "sqlite":
            raise DumasError(
                "--into restores SQLite backups; a PostgreSQL backup restores into the "
                "[database] url of the config given with --config"
            )
        make_private_dir(args.into)
        url, root = f"sqlite:///{args.into.resolve() / 'dumas.sqlite3'}", args.into / "files"
    else:
        url, root = app.settings.database_url, app.settings.storage_root
    done = restore(backup, url, root, force=args.force, progress=progress)
    config = None
    if args.into and (backup.folder / CONFIG_NAME).is_file():
        config = args.into / CONFIG_NAME
        shutil.copyfile(backup.folder / CONFIG_NAME, config)
        config.chmod(0o600)
    if args.json:
        print_json(
            {
                "backup": str(backup.folder),
                "database": done.database,
                "store_files": done.store_files,
                "copied_files": done.copied_files,
                "upgraded_from": done.upgraded_from,
                "config": str(config) if config else None,
            }
        )
        return 0
    print(
        f"restored {backup.folder.name}: {done.database} database, "
        f"{done.store_files} stored file(s) ({done.copied_files} copied)"
    )
    if done.upgraded_from:
        print(
            f"the backup's database was at migration {done.upgraded_from}: upgraded to "
            f"{head_revision(url)}"
        )
    if config:
        print(
            f'config without secrets: {config}; set [database] url = "{url}" and '
            f'[storage] root = "{root.resolve()}" in it, and the passwords, before using it'
        )
    return 0


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"N must be a whole number, at least 1, not {text!r}")
    return int(text)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
