"""The record that `dumas doctor` saw our mail server stamp every message.

`[replies] authentication = "authserv"` trusts the topmost Authentication-Results carrying our
authserv-id. That is sound only when the server adds one to every message: otherwise a sender's
own header in our server's name would be read as its verdict. So the gate trusts that mode only
after doctor has checked the newest messages (`config/cli/doctor.py`, `_check_authserv`) and
left this record: a small JSON file in the data folder, private (0600), naming the authserv-id
it saw and when. Another authserv-id in the configuration needs a new check.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

RECORD_NAME = "authserv-checked.json"


def record_stamping(path: Path, authserv_id: str, now: datetime, messages: int) -> None:
    """Write the record (atomically, 0600): doctor saw `messages` messages all stamped."""
    data = {"authserv_id": authserv_id, "checked_at": now.isoformat(), "messages": messages}
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out)
    os.chmod(tmp, 0o600)  # an existing file keeps its mode through O_CREAT
    os.replace(tmp, path)


def forget_stamping(path: Path) -> None:
    """Remove the record: doctor found a message without our stamp."""
    path.unlink(missing_ok=True)


def stamping_checked(path: Path | None, authserv_id: str) -> datetime | None:
    """When doctor last saw `authserv_id` stamp every message (None: never, or another id)."""
    if path is None or not authserv_id:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("authserv_id") != authserv_id:
            return None
        return datetime.fromisoformat(data["checked_at"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing or unreadable: unchecked


def unchecked_note(mode: str, authserv_id: str, path: Path | None) -> str:
    """What to tell the IT person when "authserv" is configured but not checked yet ("" if not)."""
    if mode != "authserv" or stamping_checked(path, authserv_id) is not None:
        return ""
    return (
        f'authentication = "authserv" is not checked yet for {authserv_id}: every staff decision '
        "by email is refused until `dumas doctor` has seen your mail server stamp the newest "
        "messages (run `dumas doctor` after some mail has arrived)"
    )
