"""Printing for the CLI: JSON with stable field names and ISO 8601 times with the office's offset."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo


def iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def local(value: datetime | None, tz: ZoneInfo) -> str:
    """Human form for tables: `2026-11-02 09:15 WIB`-style (the zone's abbreviation)."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if value else "-"


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path`, readable by our user only (0600), whatever the umask.

    Documents and recaps carry reporters' identities. The file is created with its final mode,
    never world-readable even for a moment; a file that was already there is narrowed to 0600
    before anything is written into it.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(fd, 0o600)
        out.write(data)
    return path


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(c))) for w, c in zip(widths, row, strict=False)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*headers))
    for row in rows:
        print(line.format(*[str(c) for c in row]))


def table_cell(text: str, width: int = 60) -> str:
    """A subject or name squeezed onto one line: control characters cannot break the table."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in (text or "")).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
