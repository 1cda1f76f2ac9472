"""Reconcile: every message in the mailbox folder is accounted for exactly once in the database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dumas.ingest.mailbox.source import ImapServer, ImapSettings, MailboxSource
from dumas.workflow.store.models import MailboxCursor, MailboxLocation, RawMessage

CATEGORIES = ("complaint", "reply", "ignored", "quarantined")


@dataclass
class Reconciliation:
    folder: str
    uidvalidity: int
    mailbox_total: int
    counts: Counter = field(default_factory=Counter)
    missing: list[int] = field(default_factory=list)  # UIDs at or below the cursor, no record
    pending: list[int] = field(default_factory=list)  # UIDs above the cursor: not polled yet

    def as_dict(self) -> dict:
        return {
            "folder": self.folder,
            "uidvalidity": self.uidvalidity,
            "mailbox_total": self.mailbox_total,
            "counts": {c: self.counts.get(c, 0) for c in CATEGORIES},
            "missing": self.missing,
            "pending": self.pending,
        }


def reconcile(
    imap_settings: ImapSettings,
    sessions: sessionmaker[Session],
    source_factory: Callable[[ImapServer], MailboxSource] = MailboxSource,
) -> Reconciliation:
    """Compare the folder's UIDs (now) with the recorded locations and their dispositions."""
    s = imap_settings
    with source_factory(s) as source:
        uidvalidity = source.select(s.folder)
        uids = source.all_uids()
    with sessions() as session:
        rows = session.execute(
            select(MailboxLocation.uid, RawMessage.disposition)
            .join(RawMessage, MailboxLocation.raw_id == RawMessage.id)
            .where(
                MailboxLocation.account == s.account,
                MailboxLocation.folder == s.folder,
                MailboxLocation.uidvalidity == uidvalidity,
            )
        ).all()
        last_uid = (
            session.execute(
                select(MailboxCursor.last_uid).where(
                    MailboxCursor.account == s.account,
                    MailboxCursor.folder == s.folder,
                    MailboxCursor.uidvalidity == uidvalidity,
                )
            ).scalar()
            or 0
        )
    known = dict(rows)
    result = Reconciliation(folder=s.folder, uidvalidity=uidvalidity, mailbox_total=len(uids))
    for uid in uids:
        if uid in known:
            result.counts[known[uid]] += 1
        elif uid > last_uid:
            result.pending.append(uid)
        else:
            result.missing.append(uid)
    return result
