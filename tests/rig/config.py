"""Write a Dumas TOML config that points at the rig (and a tiny TOML writer to do it).

    office = rig.new_office()
    path = write_config(rig, tmp_path, office.pengaduan, office.roles,
                        schedule={"poll_every_minutes": 5})
    settings = load_settings(path)

The writer is ours (the project has no TOML-writing dependency); `write_config` checks that what
it wrote reads back identically with tomllib and loads through `load_settings`.
"""

from __future__ import annotations

import math
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .dkimkey import pinned
from .imap import MailUser, UserLike

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def write_config(
    rig,
    folder: str | Path,
    mailbox_user: UserLike,
    roles: dict[str, list[str]] | None = None,
    *,
    imap_security: str = "plain",
    smtp_security: str = "plain",
    validate: bool = True,
    filename: str = "dumas.toml",
    **overrides: dict | None,
) -> Path:
    """Write `folder/filename` for a Dumas instance reading `mailbox_user`'s INBOX on the rig.

    - [database] is SQLite at `folder/dumas.sqlite3`, [storage] root is `folder/files`.
    - [imap] logs in as `mailbox_user` with `imap_security` ("plain", "starttls" → imap_port;
      "ssl" → imaps_port) and `ca_file` = the rig's CA; [smtp] sends through the rig's SMTP
      server the same way (`smtp_security`), from the mailbox address.
    - [replies] pins the rig's test DKIM key for its domain (`authentication` is the default,
      "dkim"): staff replies written by `tests.replies.reply` are signed with it.
    - [roles]: `roles` ({"desk": [address], ...}); None creates fresh staff mailboxes on the rig
      (`rig.new_staff()`), so every address in the file can receive mail.
    - `overrides`: one keyword per section, merged key by key into the defaults above, e.g.
      `schedule={"poll_every_minutes": 5}`, `imap={"security": "ssl"}` (the port follows the
      security unless given). A key set to None is removed; a section set to None is dropped
      (to test a missing key or section, together with `validate=False`).

    Returns the path. With `validate` (the default) the file must load with `load_settings`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    address = rig.address(mailbox_user)
    if roles is None:
        roles = {role: [user.address] for role, user in rig.new_staff().items()}
    doc = _defaults(rig, folder, mailbox_user, address, roles, imap_security, smtp_security)
    _merge(doc, overrides)
    _follow_security(rig, doc, overrides)
    doc = _plain(doc)
    path = folder / filename
    text = toml_dumps(doc)
    if tomllib.loads(text) != doc:
        raise AssertionError(f"TOML writer bug: {path} does not read back as written")
    path.write_text(text, encoding="utf-8")
    if validate:
        from dumas.config.settings import load_settings

        load_settings(path, environ={})
    return path


def _defaults(
    rig,
    folder: Path,
    user: UserLike,
    address: str,
    roles: dict,
    imap_security: str,
    smtp_security: str,
) -> dict[str, Any]:
    password = user.password if isinstance(user, MailUser) else rig.password
    return {
        "office": {
            "name": "KPU Kabupaten Kepulauan Mentawai",
            "timezone": "Asia/Jakarta",
            "short_name": "KPU Mentawai",
            "address": "Jl. Raya Tuapejat KM 4",
            "city": "Tuapejat",
            "phone": "0759-0000000",
            "email": address,
            "website": "https://kab-kepulauanmentawai.kpu.go.id",
            "sekretaris_name": "Sekretaris Uji",
            "sekretaris_nip": "197001012000031001",
            "ketua_name": "Ketua Uji",
        },
        "database": {"url": f"sqlite:///{(folder / 'dumas.sqlite3').resolve()}"},
        "storage": {"root": str((folder / "files").resolve())},
        "imap": {
            "host": rig.host,
            "port": _imap_port(rig, imap_security),
            "security": imap_security,
            "username": address,
            "password": password,
            "folder": "INBOX",
            "timeout": 10.0,
            "ca_file": str(rig.ca_file),
        },
        "smtp": {
            "host": rig.host,
            "port": _smtp_port(rig, smtp_security),
            "security": smtp_security,
            "from": address,
            "from_name": "Pengaduan KPU Kabupaten Kepulauan Mentawai",
            "timeout": 10.0,
            "ca_file": str(rig.ca_file),
        },
        # Staff mail on the rig is DKIM-signed with the test key (tests/rig/dkimkey.py), and so
        # is the reporters' own mail (tests.replies.reply signs for the From domain): the test
        # key stands in for the providers' keys of the reporter domains the tests use.
        "replies": {"address": address, "dkim_keys": pinned(rig.domain, *REPORTER_DOMAINS)},
        "roles": {role: list(addresses) for role, addresses in roles.items()},
    }


# Reporter domains whose signatures the rig's test key makes (no DNS is asked for them).
REPORTER_DOMAINS = ("gmail.com", "yahoo.com", "yahoo.co.id")


def _imap_port(rig, security: str) -> int:
    return rig.imaps_port if security == "ssl" else rig.imap_port


def _smtp_port(rig, security: str) -> int:
    return rig.smtps_port if security == "ssl" else rig.smtp_port


def _merge(doc: dict, overrides: dict) -> None:
    for section, values in overrides.items():
        if values is None:
            doc.pop(section, None)
            continue
        if not isinstance(values, dict):
            raise TypeError(f"override for [{section}] must be a dict or None")
        target = doc.setdefault(section, {})
        for key, value in values.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value


def _follow_security(rig, doc: dict, overrides: dict) -> None:
    for section, port_of in (("imap", _imap_port), ("smtp", _smtp_port)):
        given = overrides.get(section) or {}
        if section in doc and "security" in given and "port" not in given:
            doc[section]["port"] = port_of(rig, given["security"])


def _plain(value: Any) -> Any:
    """Tuples to lists and paths to strings: what tomllib gives back, for the round-trip check."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value


# --- TOML writer ------------------------------------------------------------------------------


def toml_dumps(doc: dict[str, Any]) -> str:
    """Serialize nested dicts of str/int/float/bool/date/time/datetime/list to TOML.

    Tables become [headers] (scalars first, then sub-tables as [a.b]); dicts inside lists
    become inline tables.
    """
    lines: list[str] = []
    _table(lines, [], doc)
    return "\n".join(lines).strip() + "\n"


def _table(lines: list[str], path: list[str], table: dict) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in table.items() if isinstance(v, dict)}
    if path and (scalars or not tables):
        lines.append(f"[{'.'.join(_key(p) for p in path)}]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value)}")
    if path or scalars:
        lines.append("")
    for key, sub in tables.items():
        _table(lines, [*path, key], sub)


def _key(key: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"TOML keys are strings, not {key!r}")
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Path):
        return _string(str(value))
    raise TypeError(f"cannot write {type(value).__name__} to TOML: {value!r}")
