"""A tiny declarative schema for the TOML file: every error names `[section] key`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dumas.workflow.errors import ConfigError

_MISSING = object()
_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


@dataclass(frozen=True)
class Key:
    name: str
    type: type
    default: Any = _MISSING
    choices: tuple = ()
    check: Callable[[Any], bool] | None = None
    hint: str = ""

    @property
    def attr(self) -> str:
        # `from` is a Python keyword; the dataclasses call it from_address.
        return "from_address" if self.name == "from" else self.name


@dataclass(frozen=True)
class Section:
    name: str
    keys: tuple[Key, ...]
    open_keys: bool = False  # sections whose keys are free-form (validated by their owner)


def read_section(section: Section, table: Any) -> dict[str, Any]:
    """Return `{attr: value}` for the section, applying defaults; raise ConfigError on a bad key."""
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"[{section.name}] must be a table")
    if section.open_keys:
        return dict(table)
    known = {k.name for k in section.keys}
    for name in table:
        if name not in known:
            raise ConfigError(
                f"[{section.name}] {name} is not a known key (known: {', '.join(sorted(known))})"
            )
    return {k.attr: _value(section.name, k, table) for k in section.keys}


def _value(section: str, key: Key, table: dict) -> Any:
    if key.name not in table:
        if key.default is _MISSING:
            raise ConfigError(f"[{section}] {key.name} is missing")
        return key.default
    value = table[key.name]
    if key.type is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, key.type) or (key.type is int and isinstance(value, bool)):
        raise ConfigError(f"[{section}] {key.name} must be {_TYPE_NAMES[key.type]}, not {value!r}")
    if key.choices and value not in key.choices:
        raise ConfigError(
            f"[{section}] {key.name} must be one of "
            f"{', '.join(repr(c) for c in key.choices)}, not {value!r}"
        )
    if key.check and not key.check(value):
        raise ConfigError(f"[{section}] {key.name} = {value!r} is not valid: {key.hint}")
    return value
