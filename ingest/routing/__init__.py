"""Where a message goes: the classification rules table, the thread lookup over the database, and
the dispatcher that maps a verdict to an action.
"""

from __future__ import annotations

from dumas.ingest.routing.dispatch import Dispatcher
from dumas.ingest.routing.lookup import DbThreadLookup
from dumas.ingest.routing.rules import (
    ThreadLookup,
    Verdict,
    auto_reply,
    bounce,
    classify,
    loop,
    new_complaint,
    reply_by_tag,
    reply_by_thread,
    reply_by_token,
)

__all__ = [
    "DbThreadLookup",
    "Dispatcher",
    "ThreadLookup",
    "Verdict",
    "auto_reply",
    "bounce",
    "classify",
    "loop",
    "new_complaint",
    "reply_by_tag",
    "reply_by_thread",
    "reply_by_token",
]
