"""The poll cycle: new UIDs above our cursor, in batches, each batch one commit.

Per batch: fetch sizes, fetch bodies (headers only for over-size messages), run every message
through `Intake.ingest` in its own SAVEPOINT, advance the cursor to the batch's last UID, make the
stored files durable, commit. A batch holding large messages is fetched and committed in groups
(`_groups`: a large message alone), so memory holds one large message at a time. A crash loses at most the uncommitted batch, which is fetched again
on the next poll and deduplicated. The cursor is keyed by UIDVALIDITY: a new UIDVALIDITY starts a
cursor at 0, so the whole folder is rescanned and every already-known message (Message-ID +
SHA-256) only gets its new location recorded.

After the new UIDs, the messages intake deferred (`RETRY`: a DKIM key DNS did not give) are
processed again, each in its own commit, whether or not the IMAP server could be reached: new
mail first, so retries never starve it, and at most `retry_per_cycle` of them within
`retry_seconds`, least recently tried first; the rest wait for the next cycle.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dumas.ingest.mailbox.intake import RETRY, Intake, Location, deferred_ids
from dumas.ingest.mailbox.source import ImapServer, ImapSettings, MailboxSource
from dumas.workflow.clock import Clock
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import MailboxCursor, MailboxLocation, RawMessage

log = logging.getLogger(__name__)

GROUP_BYTES = 8 * 1024 * 1024  # messages fetched together at most (one larger message alone)
_HEADER_BYTES = 64 * 1024  # what a header-only fetch of an over-size message is counted as


@dataclass
class PollReport:
    account: str
    folder: str
    uidvalidity: int = 0
    uidvalidity_changed: bool = False
    new_uids: int = 0
    last_uid: int = 0
    retried: Counter = field(default_factory=Counter)  # deferred messages: what they became
    outcomes: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())) or "nothing new"
        note = " (UIDVALIDITY changed: folder rescanned)" if self.uidvalidity_changed else ""
        if self.retried:
            again = ", ".join(f"{k} {v}" for k, v in sorted(self.retried.items()))
            note += f"; {sum(self.retried.values())} deferred message(s) again: {again}"
        return f"{self.folder}: {self.new_uids} new message(s): {parts}{note}"


class Poller:
    def __init__(
        self,
        imap_settings: ImapSettings,
        sessions: sessionmaker[Session],
        files: FileStore,
        clock: Clock,
        intake: Intake,
        source_factory: Callable[[ImapServer], MailboxSource] = MailboxSource,
        retry_per_cycle: int = 20,
        retry_seconds: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._imap = imap_settings
        self._sessions = sessions
        self._files = files
        self._clock = clock
        self._intake = intake
        self._source_factory = source_factory
        # Each retry may wait for DNS (one lookup budget per message, `senderproof.DNS_BUDGET`):
        # bounded per cycle, so deferred mail cannot hold the poll for hours.
        self._retry_per_cycle = retry_per_cycle
        self._retry_seconds = retry_seconds
        self._monotonic = monotonic

    def poll(self, should_stop: Callable[[], bool] = lambda: False) -> PollReport:
        """One pass over the folder. Raises MailServerError when the server cannot be used.

        `should_stop` is checked between batches (the daemon's SIGTERM): the cursor always sits
        after a committed batch, so stopping early loses nothing.
        """
        s = self._imap
        report = PollReport(account=s.account, folder=s.folder)
        started = self._clock.now()
        try:
            self._ingest_new(report, should_stop)
        finally:  # also when the server cannot be reached: the retries need only the database
            self._retry_deferred(report, should_stop, started)
        # DEBUG: the daemon logs each job's summary once per cycle (`dumas.config.cycle`).
        log.debug("poll %s: %s", s.account, report.summary())
        return report

    def _ingest_new(self, report: PollReport, should_stop: Callable[[], bool]) -> None:
        s = self._imap
        with self._source_factory(s) as source:
            report.uidvalidity = source.select(s.folder)
            where = Location(s.account, s.folder, report.uidvalidity)
            last_uid, report.uidvalidity_changed = self._cursor_start(where)
            uids = source.uids_above(last_uid)
            report.new_uids = len(uids)
            report.last_uid = last_uid
            for batch in _chunks(uids, s.batch_size):
                if should_stop():
                    break
                self._ingest_batch(source, where, batch, report)
                report.last_uid = batch[-1]

    def _retry_deferred(
        self, report: PollReport, should_stop: Callable[[], bool], started: datetime
    ) -> None:
        """Process deferred messages again, least recently tried first, each in its own commit:
        at most `retry_per_cycle`, none started after `retry_seconds`, and none tried since
        `started` (a message deferred by this cycle's new mail waits for the next one)."""
        with self._sessions() as session:
            todo = deferred_ids(session, self._retry_per_cycle, before=started)
        deadline = self._monotonic() + self._retry_seconds
        for raw_id in todo:
            if should_stop() or self._monotonic() >= deadline:
                return
            with self._sessions() as session, session.begin():
                raw = session.get_one(RawMessage, raw_id)  # raw messages are kept
                now = self._clock.now()
                self._intake.process(session, raw, self._files.read(raw.storage_key), now)
                report.retried["deferred" if raw.rule == RETRY else raw.disposition] += 1
            self._files.flush()

    def _cursor_start(self, where: Location) -> tuple[int, bool]:
        with self._sessions() as session:
            cursor = _cursor(session, where)
            if cursor is not None:
                return cursor.last_uid, False
            others = session.execute(
                select(func.count())
                .select_from(MailboxCursor)
                .where(MailboxCursor.account == where.account, MailboxCursor.folder == where.folder)
            ).scalar()
            if others:
                log.warning(
                    "UIDVALIDITY of %s changed to %s: rescanning the folder",
                    where.folder,
                    where.uidvalidity,
                )
            return 0, bool(others)

    def _ingest_batch(self, source, where: Location, batch: list[int], report: PollReport) -> None:
        sizes = source.sizes(batch)
        for group in _groups(batch, sizes, self._intake.max_bytes):
            self._ingest_group(source, where, group, sizes, report)

    def _ingest_group(
        self, source, where: Location, group: list[int], sizes: dict[int, int], report: PollReport
    ) -> None:
        """Fetch and ingest `group` (see `_groups`) in one commit; its messages are the only ones
        in memory, and are freed when this returns."""
        limit = self._intake.max_bytes
        small = [u for u in group if sizes.get(u, 0) <= limit]
        large = [u for u in group if sizes.get(u, 0) > limit]
        fetched = list(source.fetch(small)) + list(source.fetch(large, headers_only=True))
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            # Asked once per group (under the write lock): UIDs a concurrent poller recorded.
            known = known_uids(session, where, group)
            for msg in sorted(fetched, key=lambda m: m.uid):
                if msg.uid in known:
                    report.outcomes["duplicate"] += 1
                    continue
                size = sizes.get(msg.uid, len(msg.raw))
                report.outcomes[self._intake.ingest(session, where, msg, size, now)] += 1
                # Done with this message's objects: a session holding a whole batch makes every
                # SAVEPOINT slower (SQLAlchemy snapshots the identity map at each one).
                session.flush()
                session.expunge_all()
            _advance(session, where, group[-1], now)
            self._files.flush()


def known_uids(session: Session, where: Location, uids: list[int]) -> set[int]:
    return set(
        session.execute(
            select(MailboxLocation.uid).where(
                MailboxLocation.account == where.account,
                MailboxLocation.folder == where.folder,
                MailboxLocation.uidvalidity == where.uidvalidity,
                MailboxLocation.uid.in_(uids),
            )
        ).scalars()
    )


def _cursor(session: Session, where: Location) -> MailboxCursor | None:
    return session.execute(
        select(MailboxCursor).where(
            MailboxCursor.account == where.account,
            MailboxCursor.folder == where.folder,
            MailboxCursor.uidvalidity == where.uidvalidity,
        )
    ).scalar()


def _advance(session: Session, where: Location, uid: int, now) -> None:
    cursor = _cursor(session, where)
    if cursor is None:
        cursor = MailboxCursor(
            account=where.account, folder=where.folder, uidvalidity=where.uidvalidity, last_uid=0
        )
        session.add(cursor)
    # max(): a concurrent poller may already have gone further; the cursor never moves back.
    cursor.last_uid = max(cursor.last_uid or 0, uid)
    cursor.updated_at = now


def _groups(batch: list[int], sizes: dict[int, int], limit: int) -> Iterator[list[int]]:
    """`batch` in UID order, cut into groups fetched and committed together: small messages up
    to `GROUP_BYTES` in all, a larger one alone. Memory then holds at most one large message
    (issue 11 item 4), while a batch of ordinary mail stays one fetch and one commit. A message
    over `limit` is fetched header only and counts as small."""
    group: list[int] = []
    total = 0
    for uid in batch:
        size = sizes.get(uid, 0)
        size = _HEADER_BYTES if size > limit else size
        if group and total + size > GROUP_BYTES:
            yield group
            group, total = [], 0
        group.append(uid)
        total += size
    if group:
        yield group


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
