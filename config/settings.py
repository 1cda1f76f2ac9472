"""Settings: one TOML file plus secrets from the environment.

`load_settings(path)` returns a frozen `Settings` or raises `ConfigError` naming the offending key
(`[imap] port`), so a wrong file stops startup with a message the IT person can act on. Unknown keys
are errors too: a typo (`poll_every_minute`) must not silently fall back to a default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dumas.config.mailaddress import parse_address, parse_mailbox
from dumas.config.oauth2 import (
    MICROSOFT_SCOPES,
    PROVIDERS,
    TOKEN_FILE_NAME,
    OAuth2Settings,
    OAuth2Tokens,
    authority_for,
)
from dumas.config.schema import Key, Section, read_section
from dumas.config.serviceaccount import GMAIL_SCOPE, ServiceAccountTokens, read_key
from dumas.ingest.mail.stampcheck import RECORD_NAME
from dumas.workflow.errors import ConfigError
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.numbering import DEFAULT_LETTER_PATTERN, check_letter_pattern

CONFIG_ENV = "DUMAS_CONFIG"
SECURITY_MODES = ("ssl", "starttls", "plain")
ROLES = ("desk", "sekretaris", "hukum", "ketua")
# How a state-changing reply proves its From (ingest/mail/senderproof.py, docs/security.md).
AUTHENTICATION_MODES = ("dkim", "authserv", "none")
# How we sign in to the mail servers: a password, or an OAuth2 access token (XOAUTH2; `[oauth2]`).
SIGN_IN_MODES = ("password", "oauth2")
# Who hands out the access token: a stored sign-in (device code), or a Google service account.
Tokens = OAuth2Tokens | ServiceAccountTokens


@dataclass(frozen=True)
class Office:
    name: str
    timezone: str
    short_name: str
    address: str
    city: str
    phone: str
    email: str
    website: str
    sekretaris_name: str
    sekretaris_nip: str
    ketua_name: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float
    tls_verify: bool
    ca_file: str


@dataclass(frozen=True)
class Imap(MailServer):
    folder: str
    batch_size: int
    idle: bool = True  # wait in IMAP IDLE for new mail where the server offers it
    idle_seconds: int = 25 * 60  # re-IDLE this often (RFC 2177: before 29 minutes)
    auth: str = "password"  # one of SIGN_IN_MODES
    tokens: Tokens | None = None  # with auth = "oauth2": hands out the access token

    @property
    def account(self) -> str:
        """The cursor key: one mailbox is one (user, host) pair."""
        return f"{self.username}@{self.host}:{self.port}"


@dataclass(frozen=True)
class Smtp(MailServer):
    from_address: str
    from_name: str
    auth: str = "password"  # one of SIGN_IN_MODES
    tokens: Tokens | None = None  # with auth = "oauth2": the same sign-in as IMAP's


@dataclass(frozen=True)
class Replies:
    """Where staff and reporters reply; tokens ride in the plus-address when it is supported."""

    address: str
    plus_addressing: bool
    token_days: int
    authentication: str = "dkim"  # one of AUTHENTICATION_MODES
    authserv_id: str = ""  # our receiving server's, for "authserv"
    # "selector._domainkey.domain" -> the TXT record's text, tried before DNS.
    dkim_keys: dict[str, str] = field(default_factory=dict)
    dkim_dns: bool = True  # False: only the pinned keys, DNS is never asked
    # A reply whose DKIM key DNS did not give is tried again each cycle for this long.
    dkim_retry_hours: int = 24
    # Where `dumas doctor` records that our server stamps every message ("authserv" needs it).
    stamp_record: Path | None = None


@dataclass(frozen=True)
class Roles:
    desk: tuple[str, ...]
    sekretaris: tuple[str, ...]
    hukum: tuple[str, ...]
    ketua: tuple[str, ...]
    delegates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    subdivisions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # DELEGASI may name an address of a staff domain or of one of these (lower-case domains).
    delegate_domains: tuple[str, ...] = ()
    max_delegation_days: int = 30

    def addresses(self, role: str) -> tuple[str, ...]:
        return getattr(self, role, None) or self.subdivisions.get(role, ())


@dataclass(frozen=True)
class Schedule:
    poll_every_minutes: int
    recap_day: int
    recap_time: time
    send_every_minutes: int


@dataclass(frozen=True)
class Limits:
    max_message_mb: int
    acks_per_sender_per_hour: int
    notices_per_sender_per_day: int
    staff_status_per_day: int = 10
    # Office-wide: more acknowledgements than this in an hour wait in the outbox (issue 9).
    acknowledgements_per_hour: int = 60
    # Bytes of files in one email at most; the rest are named as kept in the case file (issue 9).
    attachments_max_bytes: int = 15_000_000

    @property
    def max_message_bytes(self) -> int:
        return self.max_message_mb * 1024 * 1024


@dataclass(frozen=True)
class Documents:
    # A document still rendering after this long is stopped and marked failed (a hostile body must
    # not hold the cycle): `workflow/documents/worker.py`.
    render_timeout_seconds: float = 60.0
    # Documents rendered at once (each in its own worker process); 0: one per CPU core. After an
    # outage a burst of complaints waits for its receipts: the spare cores shorten that wait.
    workers: int = 0


@dataclass(frozen=True)
class WorkHours:
    start: time
    end: time
    extra_days_off: tuple[date, ...]


@dataclass(frozen=True)
class Security:
    require_dmarc: bool
    trusted_authserv_id: str


@dataclass(frozen=True)
class Numbering:
    pattern: str
    case_tag: str


@dataclass(frozen=True)
class Official:
    """A signatory of outgoing letters (`[officials]`): printed under the letter."""

    nama: str = ""
    nip: str = ""
    jabatan: str = ""
    pangkat: str = ""  # pangkat/golongan ("Penata (III/c)"): `[pegawai]` only


@dataclass(frozen=True)
class Officials:
    sekretaris: Official = Official()
    ketua: Official = Official()


@dataclass(frozen=True)
class Letters:
    """`[letters]`: the number of outgoing letters (its own yearly sequence)."""

    pattern: str = DEFAULT_LETTER_PATTERN


@dataclass(frozen=True)
class BackupPolicy:
    """`[backup]`: how many backups `dumas backup DIR` keeps (the newest; older ones are removed)."""

    keep: int = 30


@dataclass(frozen=True)
class Settings:
    path: Path | None
    office: Office
    database_url: str
    storage_root: Path
    imap: Imap
    smtp: Smtp
    replies: Replies
    roles: Roles
    schedule: Schedule
    limits: Limits
    workhours: WorkHours
    security: Security
    numbering: Numbering
    kecamatan: tuple[str, ...]
    sop: dict[str, Any]
    documents: Documents = Documents()
    oauth2: OAuth2Settings | None = None  # `[oauth2]`, when a server signs in with OAuth2
    letters: Letters = Letters()
    officials: Officials = Officials()
    backup: BackupPolicy = BackupPolicy()
    # `[pegawai]`: staff by email address, for the Surat Tugas's team (Pangkat/Gol., NIP).
    pegawai: Mapping[str, Official] = field(default_factory=dict)


KECAMATAN_MENTAWAI = (
    "Pagai Selatan",
    "Sikakap",
    "Pagai Utara",
    "Sipora Selatan",
    "Sipora Utara",
    "Siberut Selatan",
    "Siberut Barat Daya",
    "Siberut Tengah",
    "Siberut Utara",
    "Siberut Barat",
)

_MAIL_SERVER_KEYS = (
    Key("host", str),
    Key("port", int, check=lambda v: 0 < v < 65536, hint="a port number 1-65535"),
    Key("security", str, default="ssl", choices=SECURITY_MODES),
    Key("username", str, default=""),
    Key("password", str, default=""),
    Key("timeout", float, default=60.0, check=lambda v: v > 0, hint="seconds, more than 0"),
    Key("tls_verify", bool, default=True),
    Key("ca_file", str, default=""),
    Key("auth", str, default="password", choices=SIGN_IN_MODES),
)

SCHEMA = (
    Section(
        "office",
        (
            Key("name", str),
            Key(
                "timezone",
                str,
                default="Asia/Jakarta",
                check=lambda v: _zone_ok(v),
                hint="an IANA time zone such as Asia/Jakarta",
            ),
            Key("short_name", str, default="KPU"),
            Key("address", str, default=""),
            Key("city", str, default=""),
            Key("phone", str, default=""),
            Key("email", str, default=""),
            Key("website", str, default=""),
            Key("sekretaris_name", str, default=""),
            Key("sekretaris_nip", str, default=""),
            Key("ketua_name", str, default=""),
        ),
    ),
    Section("database", (Key("url", str, default="sqlite:///var/dumas.sqlite3"),)),
    Section("storage", (Key("root", str, default="var/files"),)),
    Section(
        "imap",
        _MAIL_SERVER_KEYS
        + (
            Key("folder", str, default="INBOX"),
            Key("batch_size", int, default=100, check=lambda v: 1 <= v <= 5000, hint="1-5000"),
            Key("idle", bool, default=True),
            Key(
                "idle_seconds",
                int,
                default=25 * 60,
                check=lambda v: 1 <= v <= 29 * 60,
                hint="seconds, 1-1740: RFC 2177 lets a server end an IDLE after 29 minutes",
            ),
        ),
    ),
    Section(
        "smtp",
        _MAIL_SERVER_KEYS
        + (
            Key("from", str, check=lambda v: "@" in v, hint="an email address"),
            Key("from_name", str, default=""),
        ),
    ),
    Section(
        "replies",
        (
            Key(
                "address",
                str,
                default="",
                check=lambda v: v == "" or "@" in v,
                hint="an email address",
            ),
            Key("plus_addressing", bool, default=True),
            Key("token_days", int, default=30, check=lambda v: v > 0, hint="days, more than 0"),
            # None when not written: [security] require_dmarc may then choose "authserv".
            Key("authentication", str, default=None, choices=AUTHENTICATION_MODES),
            Key("authserv_id", str, default=""),
            Key("dkim_keys", dict, default={}),
            Key("dkim_dns", bool, default=True),
            Key(
                "dkim_retry_hours",
                int,
                default=24,
                check=lambda v: 0 < v <= 24 * 14,
                hint="hours, 1 to 336",
            ),
        ),
    ),
    Section(
        "roles",
        (
            Key("desk", list),
            Key("sekretaris", list),
            Key("hukum", list),
            Key("ketua", list),
            Key("delegates", dict, default={}),
            Key("subdivisions", dict, default={}),
            Key("delegate_domains", list, default=[]),
            Key(
                "max_delegation_days",
                int,
                default=30,
                check=lambda v: 1 <= v <= 366,
                hint="days, 1-366",
            ),
        ),
    ),
    Section(
        "schedule",
        (
            Key(
                "poll_every_minutes",
                int,
                default=15,
                check=lambda v: 1 <= v <= 1440,
                hint="1-1440: the mailbox must be checked at least once a day (SOP step 1)",
            ),
            Key("recap_day", int, default=1, check=lambda v: 1 <= v <= 28, hint="a day 1-28"),
            Key("recap_time", str, default="08:00", check=lambda v: _time_ok(v), hint="HH:MM"),
            Key("send_every_minutes", int, default=1, check=lambda v: 1 <= v <= 60, hint="1-60"),
        ),
    ),
    Section(
        "limits",
        (
            Key(
                "max_message_mb",
                int,
                default=25,
                check=lambda v: v > 0,
                hint="megabytes, more than 0",
            ),
            Key(
                "acks_per_sender_per_hour", int, default=3, check=lambda v: v >= 0, hint="0 or more"
            ),
            Key(
                "notices_per_sender_per_day",
                int,
                default=1,
                check=lambda v: v >= 0,
                hint="0 or more",
            ),
            Key("staff_status_per_day", int, default=10, check=lambda v: v >= 0, hint="0 or more"),
            Key(
                "acknowledgements_per_hour",
                int,
                default=60,
                check=lambda v: v >= 0,
                hint="0 (no cap) or more",
            ),
            Key(
                "attachments_max_bytes",
                int,
                default=15_000_000,
                check=lambda v: v > 0,
                hint="bytes, more than 0",
            ),
        ),
    ),
    Section(
        "documents",
        (
            Key(
                "render_timeout_seconds",
                float,
                default=60.0,
                check=lambda v: v > 0,
                hint="seconds, more than 0",
            ),
            Key(
                "workers",
                int,
                default=0,
                check=lambda v: 0 <= v <= 64,
                hint="documents rendered at once, 0 (one per CPU core) to 64",
            ),
        ),
    ),
    Section(
        "workhours",
        (
            Key("start", str, default="08:00", check=lambda v: _time_ok(v), hint="HH:MM"),
            Key("end", str, default="16:00", check=lambda v: _time_ok(v), hint="HH:MM"),
            Key("extra_days_off", list, default=[]),
        ),
    ),
    Section(
        "security",
        (
            Key("require_dmarc", bool, default=False),
            Key("trusted_authserv_id", str, default=""),
        ),
    ),
    Section(
        "numbering",
        (
            Key("pattern", str, default="{seq:03d}/PGD/{month_roman}/{year}"),
            Key("case_tag", str, default="PGD"),
        ),
    ),
    Section("letters", (Key("pattern", str, default=DEFAULT_LETTER_PATTERN),)),
    Section(
        "officials",
        tuple(
            Key(f"{who}_{what}", str, default="")
            for who in ("sekretaris", "ketua")
            for what in ("nama", "nip", "jabatan")
        ),
    ),
    Section(
        "oauth2",
        (
            Key("provider", str, default="", choices=("", *PROVIDERS)),
            Key("client_id", str, default=""),
            Key("client_secret", str, default=""),
            Key("tenant", str, default=""),
            Key("scopes", list, default=[]),
            Key("authority", str, default=""),
            Key("ca_file", str, default=""),
            Key("token_file", str, default=""),
            Key("service_account_file", str, default=""),
        ),
    ),
    Section(
        "backup",
        (
            Key(
                "keep",
                int,
                default=30,
                check=lambda v: 1 <= v <= 100_000,
                hint="how many backups to keep, at least 1",
            ),
        ),
    ),
    Section("gazetteer", (Key("kecamatan", list, default=list(KECAMATAN_MENTAWAI)),)),
    Section("sop", (), open_keys=True),
    Section("pegawai", (), open_keys=True),
)


def _zone_ok(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _time_ok(text: str) -> bool:
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 5


def config_path(explicit: str | os.PathLike | None) -> Path:
    """The file to read: `--config`, else `$DUMAS_CONFIG`, else `dumas.toml` in the working dir."""
    chosen = explicit or os.environ.get(CONFIG_ENV) or "dumas.toml"
    return Path(chosen)


def load_settings(
    path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read and validate the TOML file; raise `ConfigError` naming the first bad key."""
    file = config_path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"config file {file} not found (use --config PATH or ${CONFIG_ENV})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None
    return settings_from_dict(
        raw,
        environ=os.environ if environ is None else environ,
        path=file,
        base=file.resolve().parent,
    )


def settings_from_dict(
    raw: dict, environ: Mapping[str, str], path: Path | None = None, base: Path | None = None
) -> Settings:
    """Validate an already-parsed TOML document (the loader's core; tests call it directly)."""
    known = {s.name for s in SCHEMA}
    for name in raw:
        if name not in known:
            raise ConfigError(
                f"[{name}] is not a known section (known: {', '.join(sorted(known))})"
            )
    v = {s.name: read_section(s, raw.get(s.name)) for s in SCHEMA}
    base = base or Path.cwd()
    roles = _roles(v["roles"])
    _check_sop(v["sop"], roles)
    oauth2 = _oauth2(
        v["oauth2"],
        v["imap"],
        v["smtp"],
        bool(raw.get("oauth2")),
        base,
        environ,
        _under(base, v["storage"]["root"]),
    )
    tokens = _tokens(oauth2, v["imap"]["username"])
    return Settings(
        path=path,
        office=Office(**v["office"]),
        database_url=_database_url(v["database"]["url"], base),
        storage_root=_under(base, v["storage"]["root"]),
        imap=_imap(v["imap"], environ, tokens),
        smtp=_smtp(v["smtp"], environ, tokens),
        replies=_replies(
            v["replies"], v["imap"], v["security"], _under(base, v["storage"]["root"])
        ),
        roles=roles,
        schedule=_schedule(v["schedule"]),
        limits=Limits(**v["limits"]),
        workhours=_workhours(v["workhours"]),
        security=_security(v["security"]),
        numbering=_numbering(v["numbering"]),
        kecamatan=tuple(_strings("gazetteer", "kecamatan", v["gazetteer"]["kecamatan"])),
        sop=v["sop"],
        documents=Documents(**v["documents"]),
        oauth2=oauth2,
        letters=_letters(v["letters"]),
        officials=_officials(v["officials"], v["office"]),
        backup=BackupPolicy(**v["backup"]),
        pegawai=_pegawai(v["pegawai"]),
    )


def _under(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def _database_url(url: str, base: Path) -> str:
    # Relative SQLite paths are taken relative to the config file, like storage.root, so a systemd
    # unit and an interactive shell in another directory open the same database.
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite:///:memory:":
        return prefix + str(base / url[len(prefix) :])
    if "://" not in url:
        raise ConfigError(
            "[database] url must be a SQLAlchemy URL such as sqlite:///var/dumas.sqlite3"
        )
    return url


def _secret(
    section: str, values: dict, environ: Mapping[str, str], env_name: str, required: bool
) -> str:
    secret = environ.get(env_name) or values["password"]
    if required and not secret:
        raise ConfigError(f"[{section}] password is missing (set it in the file or in ${env_name})")
    return secret


def _server_fields(
    section: str, values: dict, environ: Mapping[str, str], required_password: bool
) -> dict:
    if (
        values["security"] == "plain"
        and values["username"]
        and values["host"] not in ("localhost", "127.0.0.1", "::1")
        and values["tls_verify"]
    ):
        # Plain-text logins over the network leak the mailbox password; allow it only on loopback
        # or when the operator has explicitly turned verification off (a test or a private link).
        raise ConfigError(
            f'[{section}] security = "plain" sends the password in clear text to '
            f'{values["host"]}; use "ssl" or "starttls"'
        )
    return {
        "host": values["host"],
        "port": values["port"],
        "security": values["security"],
        "username": values["username"],
        "timeout": values["timeout"],
        "tls_verify": values["tls_verify"],
        "ca_file": values["ca_file"],
        "password": _secret(
            section,
            values,
            environ,
            f"DUMAS_{section.upper()}_PASSWORD",
            required_password and values["auth"] == "password",
        ),
    }


def _imap(values: dict, environ: Mapping[str, str], tokens: Tokens | None) -> Imap:
    if not values["username"]:
        raise ConfigError("[imap] username is missing")
    fields = _server_fields("imap", values, environ, required_password=True)
    return Imap(
        **fields,
        folder=values["folder"],
        batch_size=values["batch_size"],
        idle=values["idle"],
        idle_seconds=values["idle_seconds"],
        auth=values["auth"],
        tokens=tokens if values["auth"] == "oauth2" else None,
    )


def _smtp(values: dict, environ: Mapping[str, str], tokens: Tokens | None) -> Smtp:
    fields = _server_fields("smtp", values, environ, required_password=bool(values["username"]))
    # "Name <address>" is how most people write a From: the name goes in the From header, the
    # address to the envelope and the Message-IDs (issue 11: it used to fail every email).
    name, address = parse_mailbox(values["from_address"], "[smtp] from")
    from_name = values["from_name"].strip()
    if name and from_name and name != from_name:
        raise ConfigError(
            f"[smtp] from names the sender {name!r} and from_name {from_name!r}: give the name once"
        )
    return Smtp(
        **fields,
        from_address=address,
        from_name=from_name or name,
        auth=values["auth"],
        tokens=tokens if values["auth"] == "oauth2" else None,
    )


def _oauth2(
    values: dict,
    imap: dict,
    smtp: dict,
    present: bool,
    base: Path,
    environ: Mapping[str, str],
    storage_root: Path,
) -> OAuth2Settings | None:
    """`[oauth2]`, checked against who uses it: every half-set combination is refused here,
    naming the key, so a daemon never starts with a sign-in that cannot work."""
    users = [
        name for name, server in (("imap", imap), ("smtp", smtp)) if server["auth"] == "oauth2"
    ]
    if not users:
        if present:
            raise ConfigError(
                '[oauth2] is set but neither [imap] auth nor [smtp] auth is "oauth2" '
                '(add auth = "oauth2" to the server that signs in with it, or remove [oauth2])'
            )
        return None
    uses = f'[{users[0]}] auth = "oauth2"'
    for name in users:
        server = imap if name == "imap" else smtp
        if server["password"]:
            raise ConfigError(
                f'[{name}] password is set but [{name}] auth = "oauth2": remove the password'
            )
    if "smtp" in users:
        if not smtp["username"]:
            raise ConfigError('[smtp] username is missing (needed by [smtp] auth = "oauth2")')
        if smtp["username"].lower() != imap["username"].lower():
            # One sign-in, one token file: the account that reads the mailbox also sends.
            raise ConfigError(
                f"[smtp] username {smtp['username']!r} must be the [imap] username "
                f'{imap["username"]!r} with [smtp] auth = "oauth2" (one sign-in for both)'
            )
    provider = values["provider"]
    if not provider:
        raise ConfigError(
            f'[oauth2] provider is missing (needed by {uses}): "microsoft", "google" or "generic"'
        )
    if provider == "google":
        return _google(values, base)
    if values["service_account_file"]:
        raise ConfigError('[oauth2] service_account_file is only for provider = "google"')
    if not values["client_id"]:
        raise ConfigError(f"[oauth2] client_id is missing (needed by {uses})")
    if values["tenant"] and provider != "microsoft":
        raise ConfigError('[oauth2] tenant is only for provider = "microsoft"')
    authority = values["authority"].strip().rstrip("/")
    if provider == "generic" and not authority.startswith("https://"):
        # msal's rule too: tokens in clear text would be the password in clear text.
        raise ConfigError(
            "[oauth2] authority is missing (the https:// URL of the OpenID Connect issuer, "
            'for provider = "generic")'
        )
    if provider != "generic" and authority:
        raise ConfigError('[oauth2] authority is only for provider = "generic"')
    scopes = _strings("oauth2", "scopes", values["scopes"])
    if not scopes:
        if provider != "microsoft":
            raise ConfigError('[oauth2] scopes is missing (a list, e.g. ["offline_access", ...])')
        scopes = list(MICROSOFT_SCOPES)
    return OAuth2Settings(
        provider=provider,
        client_id=values["client_id"],
        tenant=values["tenant"],
        scopes=tuple(scopes),
        authority=authority_for(provider, values["tenant"], authority),
        ca_file=_under(base, values["ca_file"]) if values["ca_file"].strip() else None,
        # By default beside the file store, not beside this file: under dumas.service the config's
        # folder is read-only and the store's parent (/var/lib/dumas) is the writable one.
        token_file=(
            _under(base, values["token_file"])
            if values["token_file"].strip()
            else storage_root.parent / TOKEN_FILE_NAME
        ),
        client_secret=environ.get("DUMAS_OAUTH2_CLIENT_SECRET") or values["client_secret"],
    )


def _google(values: dict, base: Path) -> OAuth2Settings:
    """provider = "google": a service account with domain-wide delegation acting for [imap]
    username. Its key file says everything else; keys of the other providers are refused."""
    for key in ("client_id", "client_secret", "tenant", "authority", "ca_file", "scopes"):
        if values[key]:
            raise ConfigError(
                f'[oauth2] {key} is not used with provider = "google" (the service account '
                "key file names its client and endpoint)"
            )
    if not values["service_account_file"].strip():
        raise ConfigError(
            "[oauth2] service_account_file is missing (the service account's JSON key, needed "
            'by provider = "google")'
        )
    path = _under(base, values["service_account_file"])
    account = read_key(path)
    uri = urlsplit(account.token_uri)
    if uri.scheme != "https" and not (
        uri.scheme == "http" and uri.hostname in ("localhost", "127.0.0.1", "::1")
    ):
        raise ConfigError(
            f"[oauth2] service_account_file: {path} has a token_uri that is not https://"
        )
    return OAuth2Settings(
        provider="google",
        client_id=account.client_id,
        tenant="",
        scopes=(GMAIL_SCOPE,),
        token_url=account.token_uri,
        token_file=path,
        service_account=account,
    )


def _tokens(oauth2: OAuth2Settings | None, account: str) -> Tokens | None:
    if oauth2 is None:
        return None
    if oauth2.service_account is not None:
        return ServiceAccountTokens(oauth2.service_account, account=account)
    return OAuth2Tokens(oauth2, account=account)


def _replies(values: dict, imap: dict, security: dict, storage_root: Path) -> Replies:
    if values["address"]:
        address = parse_address(values["address"], "[replies] address")
    else:
        address = imap["username"] if "@" in imap["username"] else ""
    if not address:
        raise ConfigError("[replies] address is missing (the complaint mailbox's email address)")
    mode, authserv = _authentication(values, security)
    return Replies(
        address=address.lower(),
        plus_addressing=values["plus_addressing"],
        token_days=values["token_days"],
        authentication=mode,
        authserv_id=authserv,
        dkim_keys=_dkim_keys(values["dkim_keys"]),
        dkim_dns=values["dkim_dns"],
        dkim_retry_hours=values["dkim_retry_hours"],
        stamp_record=storage_root / RECORD_NAME,
    )


def _authentication(values: dict, security: dict) -> tuple[str, str]:
    """[replies] authentication and authserv_id; the older [security] require_dmarc = true
    still means "authserv" with [security] trusted_authserv_id."""
    mode = values["authentication"]
    authserv = values["authserv_id"] or security["trusted_authserv_id"]
    if security["require_dmarc"]:
        if mode not in (None, "authserv"):
            raise ConfigError(
                f'[security] require_dmarc = true contradicts [replies] authentication = "{mode}";'
                ' remove require_dmarc (it is the older spelling of authentication = "authserv")'
            )
        if not authserv:
            raise ConfigError(
                "[security] trusted_authserv_id is needed when require_dmarc = true "
                "(the authserv-id your mail server writes in Authentication-Results)"
            )
        mode = "authserv"
    mode = mode or "dkim"
    if mode == "authserv" and not authserv:
        raise ConfigError(
            '[replies] authserv_id is needed when authentication = "authserv" (the authserv-id '
            "your mail server writes in Authentication-Results)"
        )
    return mode, authserv


def _dkim_keys(table: dict) -> dict[str, str]:
    out = {}
    for name, record in table.items():
        if "._domainkey." not in name or not isinstance(record, str) or "p=" not in record:
            raise ConfigError(
                f"[replies.dkim_keys] {name!r} must be named selector._domainkey.domain and "
                'hold the TXT record\'s text ("v=DKIM1; k=rsa; p=...")'
            )
        out[name.lower().rstrip(".")] = record
    return out


def _strings(section: str, key: str, items: list) -> list[str]:
    if not all(isinstance(i, str) and i.strip() for i in items):
        raise ConfigError(f"[{section}] {key} must be a list of non-empty strings")
    return [i.strip() for i in items]


def _addresses(section: str, key: str, items: list) -> tuple[str, ...]:
    out = _strings(section, key, items)
    for a in out:
        if "@" not in a or any(c.isspace() for c in a):
            raise ConfigError(f"[{section}] {key}: {a!r} is not an email address")
        if not a.isascii():
            # Senders are matched to roles in strict ASCII (look-alike letters never match), so
            # a non-ASCII staff address could never act: say so at start-up.
            raise ConfigError(f"[{section}] {key}: {a!r} must be written in plain ASCII")
        # Two "@", a bad domain: mail to it would fail at every send.
        parse_address(a, f"[{section}] {key}")
    return tuple(a.lower() for a in out)


def _address_table(section: str, table: dict) -> dict[str, tuple[str, ...]]:
    out = {}
    for name, items in table.items():
        if not isinstance(items, list):
            raise ConfigError(f"[{section}] {name} must be a list of email addresses")
        out[name.lower()] = _addresses(section, name, items)
    return out


def _roles(values: dict) -> Roles:
    fixed = {r: _addresses("roles", r, values[r]) for r in ROLES}
    for r in ROLES:
        if not fixed[r]:
            raise ConfigError(f"[roles] {r} needs at least one email address")
    delegates = _address_table("roles.delegates", values["delegates"])
    for role in delegates:
        if role not in ROLES:
            raise ConfigError(f"[roles.delegates] {role} is not a role ({', '.join(ROLES)})")
    subdivisions = _address_table("roles.subdivisions", values["subdivisions"])
    return Roles(
        **fixed,
        delegates=delegates,
        subdivisions=subdivisions,
        delegate_domains=_domains("roles", "delegate_domains", values["delegate_domains"]),
        max_delegation_days=values["max_delegation_days"],
    )


def _domains(section: str, key: str, items: list) -> tuple[str, ...]:
    out = []
    for d in _strings(section, key, items):
        d = d.lower().lstrip("@")
        if not d.isascii() or "@" in d or "." not in d or any(c.isspace() for c in d):
            raise ConfigError(
                f"[{section}] {key}: {d!r} is not a mail domain (like kpu-mentawai.example; "
                "internationalised domains in their xn-- form)"
            )
        out.append(d)
    return tuple(out)


def _check_sop(table: dict, roles: Roles) -> None:
    """[sop] is read by the workflow (`workflow/sop/config.py`); reading it here makes a wrong key stop
    startup like any other, instead of the first time a deadline is computed."""
    load_sop(table, subdivisions=roles.subdivisions.keys())


def _schedule(values: dict) -> Schedule:
    return Schedule(
        poll_every_minutes=values["poll_every_minutes"],
        recap_day=values["recap_day"],
        recap_time=time.fromisoformat(values["recap_time"]),
        send_every_minutes=values["send_every_minutes"],
    )


def _workhours(values: dict) -> WorkHours:
    start, end = time.fromisoformat(values["start"]), time.fromisoformat(values["end"])
    if end <= start:
        raise ConfigError("[workhours] end must be later than start")
    days = []
    for item in values["extra_days_off"]:
        try:
            days.append(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            raise ConfigError(
                f"[workhours] extra_days_off: {item!r} is not a date (YYYY-MM-DD)"
            ) from None
    return WorkHours(start=start, end=end, extra_days_off=tuple(sorted(days)))


def _security(values: dict) -> Security:
    if values["require_dmarc"] and not values["trusted_authserv_id"]:
        raise ConfigError(
            "[security] trusted_authserv_id is needed when require_dmarc = true "
            "(the authserv-id your mail server writes in Authentication-Results)"
        )
    return Security(**values)


def _letters(values: dict) -> Letters:
    try:
        check_letter_pattern(values["pattern"])
    except ValueError as exc:
        raise ConfigError(f"[letters] pattern is not valid: {exc}") from None
    return Letters(**values)


def _officials(values: dict, office: dict) -> Officials:
    """The signatories; `[office] sekretaris_name`/`sekretaris_nip`/`ketua_name` fill what
    `[officials]` leaves empty, so an installation configured before `[officials]` keeps its
    signature block."""
    fallback = {
        "sekretaris_nama": office["sekretaris_name"],
        "sekretaris_nip": office["sekretaris_nip"],
        "ketua_nama": office["ketua_name"],
    }
    out = {}
    for who, title in (("sekretaris", "Sekretaris"), ("ketua", "Ketua")):
        nip = "".join(values[f"{who}_nip"].split()) or "".join(
            fallback.get(f"{who}_nip", "").split()
        )
        # A NIP (Nomor Induk Pegawai) is 18 digits; a Ketua from outside the civil service has
        # none, so empty is allowed, a typo is not.
        if nip and not (nip.isdigit() and len(nip) == 18):
            raise ConfigError(f"[officials] {who}_nip must be the 18 digits of a NIP, not {nip!r}")
        out[who] = Official(
            nama=values[f"{who}_nama"].strip() or fallback.get(f"{who}_nama", "").strip(),
            nip=nip,
            jabatan=values[f"{who}_jabatan"].strip() or title,
        )
    return Officials(**out)


_PEGAWAI_KEYS = ("nama", "nip", "pangkat", "jabatan")


def _pegawai(table: dict) -> dict[str, Official]:
    """`[pegawai]`: `"andi@kpu.example" = { nama = ..., nip = ..., pangkat = ..., jabatan = ... }`.
    The Surat Tugas prints these for a team member named with that address in INVESTIGASI."""
    out = {}
    for address, entry in table.items():
        where = f"[pegawai] {address!r}"
        email = address.strip().lower()
        if "@" not in email or " " in email:
            raise ConfigError(f"{where}: the key must be an email address")
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table {{ nama = ..., pangkat = ... }}")
        for key, value in entry.items():
            if key not in _PEGAWAI_KEYS:
                raise ConfigError(f"{where} {key} is not a known key ({', '.join(_PEGAWAI_KEYS)})")
            if not isinstance(value, str):
                raise ConfigError(f"{where} {key} must be text")
        nip = "".join(entry.get("nip", "").split())
        if nip and not (nip.isdigit() and len(nip) == 18):
            raise ConfigError(f"{where} nip must be the 18 digits of a NIP, not {nip!r}")
        out[email] = Official(
            nama=" ".join(entry.get("nama", "").split()),
            nip=entry.get("nip", "").strip(),
            jabatan=" ".join(entry.get("jabatan", "").split()),
            pangkat=" ".join(entry.get("pangkat", "").split()),
        )
    return out


def _numbering(values: dict) -> Numbering:
    probe = {"seq": 1, "year": 2026, "month": 11, "month_roman": "XI", "tag": values["case_tag"]}
    try:
        values["pattern"].format(**probe)
    except (KeyError, ValueError, IndexError) as exc:
        raise ConfigError(
            f"[numbering] pattern is not valid ({exc}); it may use "
            "{seq}, {year}, {month}, {month_roman}, {tag}"
        ) from None
    if "{seq" not in values["pattern"]:
        raise ConfigError("[numbering] pattern must contain {seq}")
    return Numbering(**values)
