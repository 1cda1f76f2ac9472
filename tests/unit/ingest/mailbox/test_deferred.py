"""Deferred messages (a DKIM key DNS did not give) cannot stall intake (security review, finding
2): new mail is ingested before any retry, a cycle retries at most `retry_per_cycle` messages
within `retry_seconds` (least recently tried first), and one sender domain keeps at most
`max_deferred_per_domain` messages waiting. Real SQLite, a fake mailbox, a frozen clock and a
fake monotonic clock: no DNS, no sleeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

import dumas.ingest.mailbox.intake as intake_module
from dumas.ingest.mailbox.intake import RETRY, Intake
from dumas.ingest.mailbox.poll import Poller
from dumas.ingest.mailbox.source import FetchedMessage
from dumas.ingest.routing.rules import Verdict
from dumas.workflow.clock import FrozenClock
from dumas.workflow.errors import MessageDeferred
from dumas.workflow.store.db import make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import RawMessage

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Imap:
    host: str = "imap.example"
    port: int = 993
    username: str = "u"
    password: str = "p"
    folder: str = "INBOX"
    batch_size: int = 100
    account: str = "pengaduan@kpu.example"


class _Mailbox:
    """A folder whose messages are `mail`, recording when it was read (as `events`)."""

    def __init__(self, mail: list[bytes], events: list[str]):
        self.mail, self.events = mail, events

    def __call__(self, _settings):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def select(self, _folder):
        return 1

    def uids_above(self, uid):
        return [u for u in range(1, len(self.mail) + 1) if u > uid]

    def sizes(self, uids):
        return {u: len(self.mail[u - 1]) for u in uids}

    def fetch(self, uids, headers_only=False):
        for u in uids:
            self.events.append(f"new {u}")
            yield FetchedMessage(u, self.mail[u - 1], None)


class _Dispatcher:
    """Defers every message whose sender is in `slow` (DNS never answers for it)."""

    def __init__(self, events: list[str], slow: tuple[str, ...]):
        self.events, self.slow = events, slow
        self.last_attempts: list[int] = []

    def dispatch(self, session, raw, mail, verdict, now):
        self.events.append(f"dispatch {raw.id}")
        if mail.last_attempt:
            self.last_attempts.append(raw.id)
        elif raw.from_address.rpartition("@")[2] in self.slow:
            raise MessageDeferred("DKIM key not fetched: DNS did not answer (temporary)")


def _mail(n: int, domain: str) -> bytes:
    return (
        f"From: x{n}@{domain}\r\nTo: pengaduan@kpu.example\r\nSubject: Re: [PGD-001]\r\n"
        f"Message-ID: <m{n}@{domain}>\r\n\r\nLENGKAP\r\n"
    ).encode()


@pytest.fixture
def rig(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/dumas.sqlite3"
    upgrade(url)
    monkeypatch.setattr(
        intake_module, "classify", lambda mail, lookup: Verdict("reply", "thread", "", None)
    )
    return make_sessionmaker(make_engine(url)), FileStore(tmp_path / "files")


def _poller(rig, mailbox, dispatcher, clock, ticks=None, **limits):
    sessions, files = rig
    per_domain = limits.pop("max_deferred_per_domain", 20)
    intake = Intake(files, dispatcher, lambda s: None, 1 << 20, timedelta(hours=24), per_domain)
    monotonic = ticks or (lambda: 0.0)
    return Poller(
        _Imap(),  # type: ignore[arg-type]
        sessions,
        files,
        clock,
        intake,
        mailbox,
        monotonic=monotonic,
        **limits,
    )


def _waiting(rig) -> int:
    with rig[0]() as session:
        return session.query(RawMessage).filter_by(rule=RETRY).count()


def test_new_mail_comes_first_and_a_cycle_retries_at_most_its_share(rig):
    events: list[str] = []
    mail = [_mail(n, "slow.example") for n in range(1, 6)]
    mailbox, dispatcher = _Mailbox(mail, events), _Dispatcher(events, ("slow.example",))
    clock = FrozenClock(NOW)
    poller = _poller(rig, mailbox, dispatcher, clock, retry_per_cycle=2)
    poller.poll()
    # Deferred by this cycle's new mail: not tried again in the same cycle.
    assert _waiting(rig) == 5 and events == [f"new {u}" for u in range(1, 6)] + [
        f"dispatch {i}" for i in range(1, 6)
    ]

    events.clear()
    mailbox.mail.append(_mail(6, "fast.example"))
    clock.advance(minutes=5)
    poller.poll()
    # The new message first, then two retries, the least recently tried.
    assert events == ["new 6", "dispatch 6", "dispatch 1", "dispatch 2"]

    events.clear()
    clock.advance(minutes=5)
    poller.poll()
    assert events == ["dispatch 3", "dispatch 4"]  # round the queue, not the same two again


def test_a_cycle_stops_retrying_when_its_time_is_spent(rig):
    events: list[str] = []
    mailbox = _Mailbox([_mail(n, "slow.example") for n in range(1, 6)], events)
    dispatcher = _Dispatcher(events, ("slow.example",))
    clock, now = FrozenClock(NOW), [0.0]

    def ticks() -> float:  # every look at the clock: 10 s later (each retry waits for DNS)
        now[0] += 10
        return now[0]

    poller = _poller(rig, mailbox, dispatcher, clock, ticks, retry_seconds=30)
    poller.poll()
    events.clear()
    clock.advance(minutes=5)
    poller.poll()
    assert events == ["dispatch 1", "dispatch 2"]  # the third would start after 30 s


def test_one_domain_keeps_only_its_share_of_messages_waiting(rig):
    events: list[str] = []
    mail = [_mail(n, "mx.slow.example") for n in range(1, 5)] + [_mail(5, "other.example")]
    dispatcher = _Dispatcher(events, ("mx.slow.example", "other.example"))
    poller = _poller(
        rig, _Mailbox(mail, events), dispatcher, FrozenClock(NOW), max_deferred_per_domain=3
    )
    poller.poll()
    # The fourth of slow.example (its organisational domain) is tried once more at once with
    # the trouble counting for good; another domain still waits.
    assert dispatcher.last_attempts == [4] and _waiting(rig) == 4
