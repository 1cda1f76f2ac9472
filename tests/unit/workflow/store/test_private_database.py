"""The SQLite database holds reporters' identities: created readable by our user only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from dumas.workflow.store.db import create_private_sqlite_file, make_engine


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_new_folder_are_private(tmp_path: Path):
    old = os.umask(0o022)
    try:
        db = tmp_path / "var" / "dumas.sqlite3"
        create_private_sqlite_file(f"sqlite:///{db}", make_folder=True)  # what `dumas init` does
        engine = make_engine(f"sqlite:///{db}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            wal = db.with_name(db.name + "-wal")
            assert not wal.exists() or _mode(wal) == 0o600
        engine.dispose()
    finally:
        os.umask(old)
    assert _mode(db) == 0o600
    assert _mode(db.parent) == 0o700


def test_an_existing_database_keeps_the_mode_its_administrator_gave_it(tmp_path: Path):
    db = tmp_path / "dumas.sqlite3"
    db.touch()
    db.chmod(0o640)
    make_engine(f"sqlite:///{db}").dispose()
    assert _mode(db) == 0o640


def test_make_engine_creates_no_folder(tmp_path: Path):
    # A wrong path must stay an error (`check_schema`), not become a new empty database.
    make_engine(f"sqlite:///{tmp_path / 'missing' / 'dumas.sqlite3'}").dispose()
    assert not (tmp_path / "missing").exists()


def test_memory_databases_create_no_file(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_engine("sqlite://").dispose()
    make_engine("sqlite:///:memory:").dispose()
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_url_names_no_file(tmp_path, monkeypatch):
    """`dumas init` with PostgreSQL created an empty file named after the database."""
    monkeypatch.chdir(tmp_path)
    assert create_private_sqlite_file("postgresql+psycopg://dumas@127.0.0.1:5432/dumas_1") is None
    assert list(tmp_path.iterdir()) == []
