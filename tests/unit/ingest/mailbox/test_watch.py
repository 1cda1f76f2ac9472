"""The IDLE watcher without a server: its backoff schedule, reconnection and stop (a fake source)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from dumas.ingest.mailbox.watch import MAX_DELAY, MailboxWatcher, backoff_delay
from dumas.workflow.errors import MailServerError


def test_backoff_doubles_from_one_second_and_is_capped():
    assert [backoff_delay(n) for n in range(1, 11)] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert backoff_delay(0) == 0
    assert backoff_delay(10_000) == MAX_DELAY  # years of outage: no overflow, still the cap
    assert [backoff_delay(n, first=0.5, cap=3) for n in range(1, 5)] == [0.5, 1, 2, 3]


@dataclass(frozen=True)
class Settings:
    host: str = "imap.test"
    port: int = 143
    security: str = "plain"
    username: str = "u"
    password: str = "p"
    timeout: float = 5.0
    tls_verify: bool = True
    ca_file: str = ""
    folder: str = "INBOX"
    idle_seconds: int = 1500


class FakeSource:
    """Scripted sessions: each connection plays the next script's IDLE answers."""

    def __init__(self, script: list, stop: threading.Event, idle: bool = True):
        self.script, self.stop, self.idle = script, stop, idle
        self.log: list[str] = []

    def __call__(self, _settings):
        if not self.script:
            self.stop.set()  # out of script: the watcher must notice the stop and return
            raise MailServerError("no more sessions")
        self.answers = list(self.script.pop(0))
        if self.answers and self.answers[0] == "refuse":
            raise MailServerError("connection refused")
        return self

    def __enter__(self):
        self.log.append("connect")
        return self

    def __exit__(self, *exc):
        self.log.append("logout")

    def supports_idle(self):
        return self.idle

    def select(self, folder):
        self.log.append(f"select {folder}")
        return 1

    def idle_start(self):
        self.log.append("IDLE")

    def idle_done(self):
        self.log.append("DONE")

    def idle_wait(self, timeout):
        if not self.answers:
            self.stop.set()
            return False
        answer = self.answers.pop(0)
        if answer == "drop":
            raise MailServerError("the server closed the IDLE connection")
        return answer == "exists"


def watch(source: FakeSource, stop: threading.Event, **kw) -> list[str]:
    seen: list[str] = []
    MailboxWatcher(Settings(**kw), seen.append, stop, source_factory=source, max_delay=0).run()
    return seen


def test_new_mail_is_reported_and_a_dropped_connection_reconnects():
    stop = threading.Event()
    source = FakeSource([["quiet", "exists", "drop"], ["refuse"], ["exists"]], stop)
    seen = watch(source, stop)
    # After every connection the caller catches up (mail may have come while none was open).
    assert seen == ["connected", "new mail", "reconnected", "new mail"]
    assert source.log.count("connect") == 2 and source.log[-2:] == ["DONE", "logout"]


class Renewing(FakeSource):
    def idle_start(self):
        super().idle_start()
        if self.log.count("IDLE") == 3:
            self.stop.set()


def test_idle_is_renewed_before_the_server_may_drop_it():
    stop = threading.Event()
    source = Renewing([[]], stop)
    # idle_seconds = 0: each IDLE command ends at once, as one does after 25 minutes.
    watch(source, stop, idle_seconds=0)
    assert source.log == ["connect", "select INBOX"] + ["IDLE", "DONE"] * 3 + ["logout"]


def test_a_server_without_idle_ends_the_watcher_at_once():
    stop = threading.Event()
    source = FakeSource([["exists"]], stop, idle=False)
    watcher = MailboxWatcher(Settings(), pytest.fail, stop, source_factory=source)
    watcher.run()
    assert watcher.unsupported and not stop.is_set() and "IDLE" not in source.log


def test_stop_is_honoured_while_backing_off():
    stop = threading.Event()
    source = FakeSource([["refuse"]] * 50, stop)
    watcher = MailboxWatcher(Settings(), pytest.fail, stop, source_factory=source)
    thread = threading.Thread(target=watcher.run)
    thread.start()
    stop.set()  # during a backoff of 1 s, 2 s ...: the wait is on the Event, not a sleep
    thread.join(timeout=5)
    assert not thread.is_alive()
