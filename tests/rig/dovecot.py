"""A private Dovecot 2.3 for tests: own config, ports, users and Maildir under one folder.

Nothing here reads /etc/dovecot or talks to a system Dovecot: the server is started as
`dovecot -F -c <our file>` in its own process group, with base_dir, state_dir, logs and mail all
below the rig's folder, and is killed with its whole process group on stop (and at interpreter
exit, as a safety net).
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import os
import pwd
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .net import HOST, wait_for_banner
from .tls import TlsFiles

MAIL_USER = "dumas"  # the product's install step creates the same system user
# Dovecot starts its processes with an emptied environment but for `import_environment` (its
# default list below). Under libfaketime (`make test-dates`, tests/rig/faketime.py) its mail
# processes must see the clock the tests see, or mail delivered over LMTP is dated by the real one.
_IMPORT_ENVIRONMENT = "TZ CORE_OUTOFMEM CORE_ERROR LISTEN_PID LISTEN_FDS NOTIFY_SOCKET"
_FAKETIME_ENVIRONMENT = (
    "LD_PRELOAD",
    "FAKETIME",
    "FAKETIME_SHARED",
    "FAKETIME_DONT_FAKE_MONOTONIC",
    "NO_FAKE_STAT",
)
_RUNNING: set[Dovecot] = set()


@dataclass(frozen=True)
class MailOwner:
    """Who owns the mail files: Dovecot refuses uid 0, so root runs mail as a system user."""

    user: str
    group: str
    uid: int
    gid: int
    as_root: bool


@dataclass(frozen=True)
class DovecotPorts:
    imap: int  # plain, STARTTLS offered
    imaps: int  # implicit TLS
    lmtp: int


def mail_owner() -> MailOwner:
    """The current user, or (when root) the `dumas` system user, created idempotently."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return MailOwner(
            entry.pw_name,
            grp.getgrgid(os.getegid()).gr_name,
            entry.pw_uid,
            os.getegid(),
            as_root=False,
        )
    try:
        entry = pwd.getpwnam(MAIL_USER)
    except KeyError:
        # Exit status 9 is "user already exists": another process won the race, which is fine.
        result = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", MAIL_USER],
            capture_output=True,
            text=True,
        )
        if result.returncode not in (0, 9):
            raise RuntimeError(f"useradd {MAIL_USER} failed: {result.stderr.strip()}") from None
        entry = pwd.getpwnam(MAIL_USER)
    return MailOwner(
        entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name, entry.pw_uid, entry.pw_gid, as_root=True
    )


class Dovecot:
    """One Dovecot instance rooted at `root` (config, run, state, log, mail below it)."""

    def __init__(self, root: Path, ports: DovecotPorts, tls: TlsFiles, owner: MailOwner) -> None:
        self.root, self.ports, self.tls, self.owner = root, ports, tls, owner
        self.config_file = root / "dovecot.conf"
        self.passwd_dir = root / "etc" / "users"
        self.log_file = root / "log" / "dovecot.log"
        self.mail_root = root / "mail"
        self.process: subprocess.Popen | None = None
        # The rig's identity provider (oauth2.py): set before prepare() to accept XOAUTH2 and
        # OAUTHBEARER logins whose tokens it says are active.
        self.oauth2_url = ""
        self._users_lock = threading.Lock()
        self._users: dict[str, str] = {}

    # --- set-up -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the folder layout (no users yet) and the config file."""
        # Dovecot's unprivileged processes (auth, login, mail user) must be able to walk in.
        os.chmod(self.root, 0o755)
        for sub in ("etc", "etc/users", "run", "state", "log"):
            (self.root / sub).mkdir(mode=0o755, exist_ok=True)
        self.mail_root.mkdir(mode=0o755, exist_ok=True)
        os.chown(self.mail_root, self.owner.uid, self.owner.gid)
        if self.oauth2_url:
            (self.root / "etc" / "dovecot-oauth2.conf.ext").write_text(
                _OAUTH2_CONFIG.format(url=self.oauth2_url)
            )
        self.config_file.write_text(self.render_config())

    def render_config(self) -> str:
        o, p = self.owner, self.ports
        internal = (
            ""
            if o.as_root
            else (
                f"default_internal_user = {o.user}\ndefault_internal_group = {o.group}\n"
                f"default_login_user = {o.user}\n"
            )
        )
        dh = Path("/usr/share/dovecot/dh.pem")
        faketime = " ".join(n for n in _FAKETIME_ENVIRONMENT if n in os.environ)
        environment = (
            f"import_environment = {_IMPORT_ENVIRONMENT} {faketime}"
            if "FAKETIME" in os.environ
            else ""
        )
        oauth2 = (
            _OAUTH2_PASSDB.format(ext=self.root / "etc" / "dovecot-oauth2.conf.ext")
            if self.oauth2_url
            else ""
        )
        return _CONFIG.format(
            oauth2_passdb=oauth2,
            auth_mechanisms="plain login xoauth2 oauthbearer" if oauth2 else "plain login",
            root=self.root,
            passwd=self.passwd_dir,
            log=self.log_file,
            internal=internal,
            import_environment=environment,
            uid=o.uid,
            gid=o.gid,
            imap=p.imap,
            imaps=p.imaps,
            lmtp=p.lmtp,
            host=HOST,
            cert=self.tls.cert_file,
            key=self.tls.key_file,
            ssl_dh=f"ssl_dh = <{dh}" if dh.exists() else "",
        )

    # --- users --------------------------------------------------------------------------------

    def add_user(self, address: str, password: str) -> Path:
        """Add a passwd-file user, usable at once (no restart, no reload); return its home."""
        address = address.lower()
        # ':' and newlines break the passwd-file line, '/' the per-user file name, and '+' is
        # the recipient delimiter (a user named a+b could never be reached).
        if any(c in address + password for c in ":/\n") or "+" in address or address[:1] == ".":
            raise ValueError(f"not usable in a passwd-file: {address!r}")
        with self._users_lock:
            if address in self._users:
                raise ValueError(f"user {address} already exists")
            self._users[address] = password
        # One passwd-file per user: Dovecot re-reads a changed passwd-file, but stats it at most
        # once per second, so a user appended to a shared file could stay unknown for up to 1 s.
        # A file nobody has looked up yet is read on first use. Written then renamed, so auth
        # never sees half a line.
        line = f"{address}:{{PLAIN}}{password}::::{self.home(address)}::\n"
        tmp = self.passwd_dir / f".{address}.new"
        tmp.write_text(line)
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.passwd_dir / address)
        return self.home(address)

    def has_user(self, address: str) -> bool:
        return address.lower() in self._users

    def home(self, address: str) -> Path:
        return self.mail_root / address.lower()

    def maildir(self, address: str, folder: str = "INBOX") -> Path:
        """The Maildir++ folder on disk (`INBOX` is the root, others are `.Name`)."""
        base = self.home(address) / "Maildir"
        return base if folder.upper() == "INBOX" else base / f".{folder}"

    # --- process ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 15.0) -> None:
        """Start `dovecot -F` and return once both IMAP and LMTP greet."""
        if self.running:
            return
        cmd = [shutil.which("dovecot") or "/usr/sbin/dovecot", "-F", "-c", str(self.config_file)]
        setpriv = shutil.which("setpriv")
        if setpriv and threading.current_thread() is threading.main_thread():
            # If the test process is SIGKILLed, the kernel still stops Dovecot. Only from the main
            # thread: the death signal fires when the *thread* that forked exits.
            cmd = [setpriv, "--pdeathsig", "TERM", "--", *cmd]
        with open(self.root / "log" / "dovecot.stdout", "ab") as out:
            # stdin/stdout detached from ours: an inherited pipe would keep a caller reading forever.
            self.process = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _RUNNING.add(self)
        try:
            wait_for_banner(self.ports.imap, b"* OK", timeout, alive=lambda: self.running)
            wait_for_banner(self.ports.lmtp, b"220", timeout, alive=lambda: self.running)
        except BaseException as exc:
            self.stop()
            if isinstance(exc, (TimeoutError, RuntimeError)):
                raise RuntimeError(f"Dovecot did not start: {exc}\n{self.log_tail()}") from None
            raise

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM every Dovecot process, wait until all are gone (SIGKILL after `timeout`).

        The whole group is signalled, not just the master: the master alone spends over a second
        shutting its children down, and 10 s more per IMAP session whose client is not reading.
        Each process still exits through its own SIGTERM handler; Maildir writes are atomic.
        Waiting for the whole group matters: a login process still holding the listening socket
        would make the next start fail to bind the same port.
        """
        proc, self.process = self.process, None
        _RUNNING.discard(self)
        if proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            _signal_group(proc.pid, sig)
            deadline = time.monotonic() + timeout
            while proc.poll() is None or _group_alive(proc.pid):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            else:
                return
        raise RuntimeError(f"Dovecot process group {proc.pid} survived SIGKILL")

    def log_tail(self, lines: int = 30) -> str:
        texts = []
        for name in ("dovecot.stdout", "dovecot.log"):
            path = self.root / "log" / name
            if path.exists():
                texts += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(texts)


def _group_alive(pgid: int) -> bool:
    """True while a live (non-zombie) process of the group exists; zombies may never be reaped
    in a container whose PID 1 does not wait for orphans."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        server.stop(timeout=3)


# Dovecot 2.3's oauth2 passdb: the token is checked by POSTing it to the rig's introspection
# endpoint (RFC 7662); the user it names must exist in the userdb (passwd-file) for the mail.
_OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {ext}
}}
"""
_OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {url}/introspect
username_attribute = username
active_attribute = active
active_value = true
"""

_CONFIG = """\
# Written by the Dumas test rig; nothing from /etc/dovecot is read.
protocols = imap lmtp
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
instance_name = dumas-rig
hostname = mail.dumas.test
login_greeting = Dumas test rig ready.
{import_environment}
{internal}
log_path = {log}
info_log_path = {log}
log_timestamp = "%Y-%m-%d %H:%M:%S "
auth_verbose = yes

mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:~/Maildir
# Throw-away mail: no fsync keeps APPEND/LMTP fast for tests and for the benchmarks' thousands.
mail_fsync = never
# pengaduan+TOKEN@ is delivered to pengaduan's INBOX; Delivered-To keeps the full address.
recipient_delimiter = +

# Failed logins are still answered on auth's 500 ms failure timer (fixed in 2.3 source); this
# only removes the 2 s on top.
auth_failure_delay = 0
auth_mechanisms = {auth_mechanisms}
disable_plaintext_auth = no
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {passwd}/%Lu
  # A token is not a password: XOAUTH2/OAUTHBEARER go to the oauth2 passdb only.
  mechanisms = plain login
}}
{oauth2_passdb}userdb {{
  driver = passwd-file
  args = username_format=%Lu {passwd}/%Lu
}}

ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
{ssl_dh}

service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {imap}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp}
  }}
}}
service anvil {{
  chroot =
  # No listener, no auth penalty: otherwise every failed login from 127.0.0.1 delays the next
  # logins (2 s doubling to 15 s) on top of auth_failure_delay.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 500
}}
"""
