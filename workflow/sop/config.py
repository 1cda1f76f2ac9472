"""Reading the `[sop]` table of the TOML file into an `Sop`.

`load_sop(table, subdivisions)` is `DEFAULT_SOP` with the office's table applied by
`apply_config(sop, table, subdivisions)`: `case_limit`, `escalate_again_after`, per-step
`duration` / `remind_before`, `[sop.agencies.<key>]` and `[sop.subdivisions.<key>]`
(`subdivisions`: the keys of `[roles.subdivisions]`). Anything else raises `ConfigError` naming
the key, like the rest of the settings.

The format, the duration units and every key: docs/sop-config.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from dumas.workflow.errors import ConfigError
from dumas.workflow.sop.calendar import Duration
from dumas.workflow.sop.definition import (
    DEFAULT_SOP,
    HANDLER,
    Agency,
    Sop,
    Step,
    Subdivision,
    default_subdivision,
)

_DURATION_KEYS = (
    "case_limit",
    "escalate_again_after",
    "case_limit_reminder",
    "case_limit_escalation",
)
_TOP_KEYS = {*_DURATION_KEYS, "agencies", "subdivisions"}
_STEP_KEYS = {"duration", "remind_before"}
_AGENCY_KEYS = {"name", "short", "email", "address", "aliases", "note", "kepada", "tempat"}
_SUBDIVISION_KEYS = {"title", "aliases"}
_KEY = re.compile(r"[a-z][a-z0-9_]*")


def load_sop(table: Mapping[str, Any] | None, subdivisions: Iterable[str] = ()) -> Sop:
    """The SOP with the office's `[sop]` overrides; raises ConfigError naming the bad key.

    `subdivisions` are the keys of `[roles.subdivisions]` (the sub-divisions that have
    addresses); besides Sub Bagian Hukum they are the valid DISPOSISI and SUB BAGIAN targets.
    """
    return apply_config(DEFAULT_SOP, table or {}, tuple(subdivisions))


def apply_config(sop: Sop, table: Mapping[str, Any], subdivisions: tuple[str, ...]) -> Sop:
    if not isinstance(table, Mapping):
        raise ConfigError("[sop] must be a table")
    steps = dict(sop.steps)
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key in _DURATION_KEYS:
            changes[key] = _duration(f"[sop] {key}", value, allow_zero=False)
        elif key == "agencies":
            changes[key] = _agencies(sop.agencies, _table("[sop.agencies]", value))
        elif key == "subdivisions":
            continue  # read below, with the list from [roles.subdivisions]
        elif key in steps:
            steps[key] = _step(steps[key], _table(f"[sop.{key}]", value))
        else:
            raise ConfigError(
                f"[sop] {key} is not a step or a known key (steps: "
                f"{', '.join(n for n, s in steps.items() if s.duration)}; keys: "
                f"{', '.join(sorted(_TOP_KEYS))})"
            )
    changes["subdivisions"] = _subdivisions(
        _table("[sop.subdivisions]", table.get("subdivisions", {})), subdivisions
    )
    out = replace(sop.with_steps(**steps), **changes)
    reminder, escalation = out.case_limit_marks()
    if not reminder.unit == escalation.unit == out.case_limit.unit or not (
        reminder.amount < escalation.amount < out.case_limit.amount
    ):
        raise ConfigError(
            "[sop] case_limit_reminder and case_limit_escalation must be in the unit of "
            f"case_limit ({out.case_limit.label}) and come before it, the reminder first"
        )
    return out


def _table(where: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table")
    return value


def _duration(where: str, value: Any, allow_zero: bool) -> Duration | None:
    try:
        duration = Duration.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if duration.amount == 0:
        if not allow_zero:
            raise ConfigError(f"{where} must be more than 0")
        return None
    return duration


def _unknown(where: str, table: Mapping[str, Any], known: set[str]) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(
                f"{where} {key} is not a known key (known: {', '.join(sorted(known))})"
            )


def _step(step: Step, table: Mapping[str, Any]) -> Step:
    where = f"[sop.{step.name}]"
    if step.duration is None:  # the terminal states; menunggu_pelapor has one (not a task)
        raise ConfigError(f"{where}: this step has no deadline to configure")
    _unknown(where, table, _STEP_KEYS)
    changes: dict[str, Any] = {}
    if "duration" in table:
        changes["duration"] = _duration(f"{where} duration", table["duration"], allow_zero=False)
    if "remind_before" in table:
        changes["remind_before"] = _duration(
            f"{where} remind_before", table["remind_before"], allow_zero=True
        )
    return replace(step, **changes)


def _text(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be non-empty text")
    return " ".join(value.split())


def _aliases(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of non-empty texts")
    return tuple(" ".join(v.lower().split()) for v in value)


def _agencies(defaults: tuple[Agency, ...], table: Mapping[str, Any]) -> tuple[Agency, ...]:
    agencies = {a.key: a for a in defaults}
    for key, value in table.items():
        where = f"[sop.agencies.{key}]"
        if not _KEY.fullmatch(key):
            raise ConfigError(f"{where}: use a lower-case key such as bawaslu")
        entry = _table(where, value)
        _unknown(where, entry, _AGENCY_KEYS)
        base = agencies.get(key)
        if base is None:
            if "name" not in entry:
                raise ConfigError(f"{where} name is missing (a new agency needs its full name)")
            base = Agency(key, "", key.upper())
        fields: dict[str, Any] = {
            k: _text(f"{where} {k}", entry[k])
            for k in ("name", "short", "address", "note", "kepada", "tempat")
            if k in entry
        }
        if "email" in entry:
            email = _text(f"{where} email", entry["email"]).lower()
            if "@" not in email or " " in email:
                raise ConfigError(f"{where} email: {email!r} is not an email address")
            fields["email"] = email
        if "aliases" in entry:
            fields["aliases"] = _aliases(f"{where} aliases", entry["aliases"])
        agencies[key] = replace(base, **fields)
    return tuple(agencies.values())


def _subdivisions(table: Mapping[str, Any], known: tuple[str, ...]) -> tuple[Subdivision, ...]:
    keys = (HANDLER,) + tuple(k for k in known if k != HANDLER)
    subs = {k: default_subdivision(k) for k in keys}
    for key, value in table.items():
        where = f"[sop.subdivisions.{key}]"
        if key not in subs:
            raise ConfigError(
                f"{where}: {key!r} has no addresses in [roles.subdivisions] "
                f"(known: {', '.join(keys)})"
            )
        entry = _table(where, value)
        _unknown(where, entry, _SUBDIVISION_KEYS)
        fields: dict[str, Any] = {}
        if "title" in entry:
            fields["title"] = _text(f"{where} title", entry["title"])
        if "aliases" in entry:
            fields["aliases"] = _aliases(f"{where} aliases", entry["aliases"])
        subs[key] = replace(subs[key], **fields)
    return tuple(subs.values())
