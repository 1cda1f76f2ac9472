"""A throw-away PostgreSQL cluster for tests: its own data folder, a free port on loopback.

    with Postgres() as pg:
        url = pg.new_database()      # postgresql+psycopg://dumas@127.0.0.1:PORT/dumas_1

Nothing here touches a system cluster (Debian's `postgresql` package may have one on 5432):
`initdb` writes a cluster into a temporary folder, `postgres -D` runs it in the foreground in its
own session, listening on 127.0.0.1 only (no Unix socket), with trust authentication and
`fsync=off` (the data is thrown away). PostgreSQL refuses to run as root, so as root the cluster
belongs to the same `dumas` system user the mail rig runs Dovecot's mail processes as. Stopping
asks for a fast shutdown, which waits for every server process; only a server that does not stop
in time is killed, with all of its processes.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .dovecot import MailOwner, mail_owner
from .net import HOST, free_ports

SUPERUSER = "dumas"
BINDIR_ENV = "DUMAS_PG_BINDIR"  # where initdb and postgres are, when not in Debian's place
DEBIAN_ROOT = Path("/usr/lib/postgresql")
# A server zone that is neither UTC nor the office's: a time that skips the UTC conversion
# would come back visibly wrong.
SERVER_TIMEZONE = "America/Sao_Paulo"
_RUNNING: set[Postgres] = set()


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bindir(environ=os.environ) -> Path:
    """The folder holding `initdb` and `postgres`: $DUMAS_PG_BINDIR, else the newest of Debian's
    /usr/lib/postgresql/<version>/bin, else wherever `initdb` is on the PATH."""
    candidates: list[Path] = []
    if environ.get(BINDIR_ENV):
        candidates.append(Path(environ[BINDIR_ENV]))
    if DEBIAN_ROOT.is_dir():
        versions = [p for p in DEBIAN_ROOT.iterdir() if re.fullmatch(r"\d+(\.\d+)?", p.name)]
        versions.sort(key=lambda p: tuple(int(n) for n in p.name.split(".")), reverse=True)
        candidates += [p / "bin" for p in versions]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if all(os.access(folder / name, os.X_OK) for name in ("initdb", "postgres")):
            return folder
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, postgres) found; install "
        f"Debian's `postgresql` package or set ${BINDIR_ENV}"
    )


class Postgres:
    """One cluster rooted at a temporary folder; `start()` / `stop()` or a `with` block."""

    def __init__(self, bindir: Path | None = None, *, keep: bool | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.keep = bool(os.environ.get("DUMAS_RIG_KEEP")) if keep is None else keep
        self.owner: MailOwner | None = None
        self.root: Path | None = None
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._names = itertools.count(1)
        self._names_lock = threading.Lock()

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` on this cluster (psycopg 3 driver)."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{database}"

    # --- life cycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> Postgres:
        if self.running:
            return self
        try:
            if self.root is None:
                self._init_cluster()
            self._launch(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _init_cluster(self) -> None:
        self.owner = mail_owner()
        self.root = Path(tempfile.mkdtemp(prefix="dumas-pg-"))
        os.chmod(self.root, 0o755)  # the cluster's owner must reach its data folder
        self.data_dir.mkdir(mode=0o700)
        os.chown(self.data_dir, self.owner.uid, self.owner.gid)
        self.port = free_ports(1)[0]
        result = subprocess.run(
            self._as_owner(
                [
                    str(self.bindir / "initdb"),
                    "--pgdata",
                    str(self.data_dir),
                    "--username",
                    SUPERUSER,
                    "--auth",
                    "trust",
                    "--encoding",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                    "--no-instructions",
                ]
            ),
            cwd=self.root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed ({result.returncode}):\n{result.stderr[-2000:]}")
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(_CONFIG.format(host=HOST, port=self.port, tz=SERVER_TIMEZONE))

    def _launch(self, timeout: float) -> None:
        cmd = self._as_owner([str(self.bindir / "postgres"), "-D", str(self.data_dir)])
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(
                cmd,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _RUNNING.add(self)
        self._wait_until_ready(timeout)

    def _as_owner(self, cmd: list[str]) -> list[str]:
        """`cmd` run as the cluster's owner (PostgreSQL refuses uid 0), stopped by the kernel
        (SIGINT: fast shutdown) if the test process dies without cleaning up."""
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            return ["runuser", "-u", self.owner.user, "--", *cmd] if self.owner.as_root else cmd
        args = []
        if self.owner.as_root:
            args += [f"--reuid={self.owner.uid}", f"--regid={self.owner.gid}", "--clear-groups"]
        # Only from the main thread: the death signal fires when the *thread* that forked exits.
        if threading.current_thread() is threading.main_thread():
            args += ["--pdeathsig", "INT"]
        return [setpriv, *args, "--", *cmd] if args else cmd

    def _wait_until_ready(self, timeout: float) -> None:
        import psycopg

        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"PostgreSQL exited while starting:\n{self.log_tail()}")
            try:
                with psycopg.connect(
                    host=HOST, port=self.port, user=SUPERUSER, dbname="postgres", connect_timeout=2
                ):
                    return
            except psycopg.OperationalError as exc:  # not listening yet, or still starting up
                last = exc
            time.sleep(0.05)
        raise RuntimeError(
            f"PostgreSQL did not accept connections within {timeout}s "
            f"(last: {last})\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Fast shutdown (clients are disconnected, every server process exits); SIGKILL for the
        server and all its processes if that takes longer than `timeout`. Removes the folder
        unless kept."""
        proc, self.process = self.process, None
        _RUNNING.discard(self)
        try:
            if proc is not None:
                _stop_server(proc, timeout)
        finally:
            if self.root is not None and not self.keep:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None

    def __enter__(self) -> Postgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- databases ----------------------------------------------------------------------------

    def new_database(self, prefix: str = "dumas") -> str:
        """Create a fresh, empty database and return its URL."""
        import psycopg

        with self._names_lock:
            name = f"{prefix}_{next(self._names)}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        with psycopg.connect(
            host=HOST, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_tail(self, lines: int = 30) -> str:
        if self.root is None or not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


def _stop_server(proc: subprocess.Popen, timeout: float) -> None:
    _signal(proc.pid, signal.SIGINT)  # fast shutdown: returns once every server process is gone
    try:
        proc.wait(timeout)
        return
    except subprocess.TimeoutExpired:
        pass
    # Server processes each start their own session, so the postmaster's process group does not
    # hold them: they are found by parent, before the postmaster is gone.
    pids = [*_descendants(proc.pid), proc.pid]
    for pid in pids:
        _signal(pid, signal.SIGKILL)
    proc.wait(5)
    deadline = time.monotonic() + 5
    while set(pids) & set(_parents()) and time.monotonic() < deadline:
        time.sleep(0.01)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _parents() -> dict[int, int]:
    """{pid: parent pid} of every live (non-zombie) process."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found[int(stat.parent.name)] = int(fields[1])
    return found


def _descendants(pid: int) -> list[int]:
    parents, found, todo = _parents(), [], [pid]
    while todo:
        current = todo.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        todo += children
    return found


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop(timeout=3)


_CONFIG = """
# Written by the Dumas test rig: a throw-away cluster on loopback.
listen_addresses = '{host}'
port = {port}
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
timezone = '{tz}'
log_timezone = 'UTC'
logging_collector = off
log_min_messages = warning
"""
