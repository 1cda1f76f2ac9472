"""Mail within seconds: wait in IMAP IDLE on the complaint folder and say when mail arrives.

`MailboxWatcher` runs in its own thread. It connects, selects the folder read-only and waits in
IDLE (RFC 2177), calling `on_mail(reason)` when the server reports EXISTS, and also after each
(re)connection: mail that arrived while no IDLE was open must not wait for the next poll. It leaves
and re-enters IDLE every `idle_seconds` (the RFC lets a server drop an IDLE after 29 minutes, and
a NAT box may forget a silent connection sooner), and reconnects with capped exponential backoff
when the connection drops. It only signals: what new mail needs (intake, registration, the
outbox) is run by its caller, so the poller's cursor stays the one place that decides what is new.

A server without IDLE ends the thread at once: the scheduled poll is then all there is, as it
always is the floor (the daemon keeps polling at least daily either way).

Stopping: the wait is `idle_check` with a short timeout in a loop over the stop Event, so a
SIGTERM is honoured within `tick` seconds; no sleep, the backoff waits on the same Event.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

from dumas.ingest.mailbox.source import ImapServer, MailboxSource
from dumas.workflow.errors import LoginError, MailServerError

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0  # seconds before the first reconnection attempt
MAX_DELAY = 300.0  # the backoff's cap: a server back after an outage is used within 5 minutes


class WatchSettings(ImapServer, Protocol):
    """What the watcher reads of `dumas.config.settings.Imap`."""

    @property
    def folder(self) -> str: ...
    @property
    def idle_seconds(self) -> int: ...


def backoff_delay(failures: int, first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds to wait after `failures` consecutive failed connections: 1, 2, 4 ... capped."""
    if failures <= 0:
        return 0.0
    return min(first * 2 ** min(failures - 1, 32), cap)


class MailboxWatcher:
    """IDLE on one folder in a daemon thread; `on_mail(reason)` when there may be new mail."""

    def __init__(
        self,
        settings: WatchSettings,
        on_mail: Callable[[str], None],
        stop: threading.Event,
        *,
        tick: float = 1.0,
        source_factory: Callable[[ImapServer], MailboxSource] = MailboxSource,
        max_delay: float = MAX_DELAY,
    ) -> None:
        self._s = settings
        self._on_mail = on_mail
        self._stop = stop
        self._tick = tick
        self._source_factory = source_factory
        self._max_delay = max_delay
        self._thread: threading.Thread | None = None
        self.failures = 0
        self.connections = 0  # successful IDLE sessions so far (tests and logs read it)
        self.unsupported = False  # set when the server does not offer IDLE
        self.ready = threading.Event()  # set while an IDLE is open (tests wait on it)

    def start(self) -> MailboxWatcher:
        self._thread = threading.Thread(target=self.run, name="imap-idle", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self) -> None:
        """Watch until the stop Event is set or the server turns out not to offer IDLE."""
        while not self._stop.is_set():
            try:
                self._session()
            except MailServerError as exc:
                self.ready.clear()
                self.failures += 1
                delay = backoff_delay(self.failures, cap=self._max_delay)
                level = logging.ERROR if isinstance(exc, LoginError) else logging.WARNING
                log.log(level, "IMAP IDLE: %s; reconnecting in %.0f s", exc, delay)
                self._stop.wait(delay)
                continue
            if self.unsupported:
                return

    def _session(self) -> None:
        """One connection: select, tell the caller to catch up, then IDLE until stop or failure."""
        s = self._s
        with self._source_factory(s) as source:
            if not source.supports_idle():
                self.unsupported = True
                log.info("the IMAP server does not offer IDLE: new mail waits for the next poll")
                return
            source.select(s.folder)
            self.failures = 0
            self.connections += 1
            log.info("IMAP IDLE on %s: new mail is taken in as it arrives", s.folder)
            self._on_mail("connected" if self.connections == 1 else "reconnected")
            while not self._stop.is_set():
                self._idle_once(source)

    def _idle_once(self, source: MailboxSource) -> None:
        """One IDLE command, left after `idle_seconds` (or at stop) and re-entered by the caller."""
        source.idle_start()
        self.ready.set()
        renew_at = time.monotonic() + self._s.idle_seconds
        new_mail = False
        try:
            while not self._stop.is_set() and time.monotonic() < renew_at:
                if source.idle_wait(self._tick):
                    new_mail = True
                    self._on_mail("new mail")
        finally:
            self.ready.clear()
            if self._stop.is_set():
                # Stopping: a polite DONE, but a dead connection must not hold up the SIGTERM.
                with contextlib.suppress(MailServerError):
                    source.idle_done()
        if not self._stop.is_set():
            source.idle_done()
            log.debug("IMAP IDLE renewed on %s (new mail seen: %s)", self._s.folder, new_mail)
