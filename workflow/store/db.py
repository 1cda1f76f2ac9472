"""Engine, sessions and migrations.

SQLite is the default and gets the settings a long-running mail daemon needs: WAL (readers never
block the poller), a busy timeout, foreign keys, and `BEGIN IMMEDIATE` so two processes that both
write (the daemon and a `dumas register` at the desk) queue on the lock instead of failing halfway.

PostgreSQL (`postgresql://...`: SQLAlchemy 2.1 picks psycopg 3) gets a plain engine; writers that
must not overlap take row locks (see `workflow.store.registration.next_sequence`).

On both, a text longer than its column's declared length is clipped when it is written:
PostgreSQL refuses such a value (SQLite would keep it whole), and a citizen's 300-character
display name or a hostile Content-Type must not cost a complaint its place.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, String, create_engine, event, inspect, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Mapper, Session, sessionmaker

from dumas.workflow.errors import ConfigError, DumasError

if TYPE_CHECKING:  # alembic is imported lazily: only `dumas init` and the checks need it
    from alembic.config import Config

log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    """Create the engine for `url`, with the SQLite settings above when it is SQLite."""
    # hide_parameters: a database error's text must not carry complaint data into the logs.
    if url.startswith("sqlite"):
        create_private_sqlite_file(url)  # the folder is `dumas init`'s: a wrong path stays an error
        engine = create_engine(
            url, connect_args={"timeout": 30, "isolation_level": None}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    except ModuleNotFoundError as exc:  # the driver is an optional dependency
        raise ConfigError(
            f"[database] url needs the Python package {exc.name!r} (for "
            "PostgreSQL: pip install 'psycopg[binary]')"
        ) from None
    except ArgumentError as exc:
        raise ConfigError(f"[database] url is not usable: {exc}") from None


def create_private_sqlite_file(url: str, *, make_folder: bool = False) -> Path | None:
    """Create the SQLite file of `url` readable by our user only, if missing; with `make_folder`,
    its missing folder too (0700).

    The database holds reporters' identities; SQLite would create it with the umask (0644 in a
    0755 folder, readable by every local user). Its journal and WAL files take the database
    file's mode. An existing file or folder is left as the administrator set it. Returns the
    path, or None for an in-memory database or a `file:` URI.
    """
    parsed = make_url(url)
    database = parsed.database
    # Only SQLite names a file: `dumas init` with PostgreSQL made an empty file named after the
    # database in the working directory.
    if not parsed.drivername.startswith("sqlite"):
        return None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    if make_folder and not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        os.chmod(path.parent, 0o700)  # whatever the umask
    # An empty file is a valid SQLite database: creating it first changes nothing else. Without
    # its folder, nothing is created and connecting reports the error, as before.
    with suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def _sqlite_on_connect(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_on_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "before_flush", _clip_to_columns)
    return factory


def _clip_to_columns(session: Session, _context, _instances) -> None:
    """Cut every text that is longer than its VARCHAR column to the column's length (see above).
    The log names the column, never the value."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for key, length in _bounded_columns(state.mapper):
            value = state.dict.get(key)  # only loaded values: nothing is fetched here
            if isinstance(value, str) and len(value) > length:
                setattr(obj, key, value[:length])
                log.warning(
                    "%s.%s: a value of %d characters was clipped to %d",
                    state.mapper.local_table.name,
                    key,
                    len(value),
                    length,
                )


@cache
def _bounded_columns(mapper: Mapper[Any]) -> tuple[tuple[str, int], ...]:
    return tuple(
        (attr.key, column.type.length)
        for attr in mapper.column_attrs
        for column in attr.columns
        if isinstance(column.type, String) and column.type.length
    )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits at the end of the block, or rolls back on error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("dumas.workflow.store") / "migrations")
    )
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the Alembic migrations (what `dumas init` runs)."""
    from alembic import command

    try:
        command.upgrade(alembic_config(url), revision)
    except OperationalError as exc:
        raise DumasError(f"cannot open or migrate the database: {_first_line(exc.orig)}") from exc


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:  # a PostgreSQL server down, a SQLite file not readable
        raise DumasError(f"cannot open the database: {_first_line(exc.orig)}") from exc


def _first_line(error: BaseException | None) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def known_revision(url: str, revision: str) -> bool:
    """Whether `revision` is one of this code's migrations (a revision it does not know was
    written by a newer Dumas)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config(url)).get_revision(revision) is not None
    except CommandError:
        return False


def check_schema(engine: Engine, url: str) -> None:
    """Raise ConfigError when the database is not at the code's migration head."""
    have, want = current_revision(engine), head_revision(url)
    if have != want:
        raise ConfigError(
            f"the database is at migration {have or 'none'}, the code needs {want}: "
            "run `dumas init`"
        )


def new_migration(message: str) -> None:
    """Write a migration for what changed in the models (developers: `make migration`)."""
    import tempfile

    from alembic import command

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/head.sqlite3"
        upgrade(url)
        command.revision(alembic_config(url), message=message, autogenerate=True)
