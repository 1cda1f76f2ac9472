"""The daemon (`dumas run`): APScheduler 3.x running the office's jobs for years under systemd.

- One instance per installation (a `flock` on `<storage>/daemon.lock`).
- The cycle (intake → deadlines → documents → reports → outbox) runs every `poll_every_minutes`
  (never less than daily: the SOP asks for a daily check, and the setting is capped at 1440) and
  once at start, which is also how a daemon that was down catches up.
- A mail server that is down never kills the daemon: the cycle logs it and retries with
  exponential backoff (1, 2, 4 ... minutes, capped at the poll interval).
- Where the IMAP server offers IDLE (and `[imap] idle` is on), a watcher thread waits in IDLE on
  the complaint folder (`dumas.ingest.mailbox.watch`) and new mail runs `MAIL_JOBS` (intake,
  registration, documents, outbox) at once, in a thread of its own (`MailCycles`): a complaint is
  acknowledged within seconds. The scheduled cycle keeps running: it is the fallback and the
  once-a-day guarantee. Either cycle's documents job, rendering a backlog, makes way for new mail
  after its current batch (the next mail run renders the rest, receipts first).
- SIGTERM/SIGINT stop the scheduler; a running cycle stops after its current batch.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.blocking import BlockingScheduler

from dumas.config.app import App
from dumas.config.cycle import JOBS, MAIL_JOBS, drain_outbox, log_cycle, run_cycle
from dumas.config.locks import job_lock
from dumas.ingest.mail.stampcheck import unchecked_note
from dumas.ingest.mailbox.watch import MailboxWatcher
from dumas.workflow.errors import DumasError, MailServerError, where

log = logging.getLogger(__name__)


class CycleJob:
    """The scheduled cycle with its failure backoff."""

    def __init__(
        self,
        app: App,
        scheduler: BlockingScheduler,
        stop: threading.Event,
        only: tuple[str, ...] = JOBS,
        mail_due: threading.Event | None = None,
    ):
        self.app = app
        self.scheduler = scheduler
        self.stop = stop
        self.only = only
        # Set by the IDLE watcher when mail arrives: a long documents job makes way for intake.
        self.mail_due = mail_due or threading.Event()
        self.failures = 0

    def __call__(self) -> None:
        if self.stop.is_set():
            return
        try:
            with job_lock(self.app.settings.storage_root, "cycle"):
                results = run_cycle(
                    self.app,
                    should_stop=self.stop.is_set,
                    only=self.only,
                    mail_waiting=self.mail_due.is_set,
                )
                log_cycle(results)
        except MailServerError as exc:
            if self.only != JOBS:
                # A run for new mail: the IDLE watcher reconnects on its own and asks again.
                log.warning("mail server unavailable (%s)", exc)
                return
            self.failures += 1
            delay = self.retry_delay()
            log.warning("mail server unavailable (%s); retrying in %s", exc, delay)
            self.scheduler.add_job(
                self,
                "date",
                id="cycle-retry",
                replace_existing=True,
                run_date=datetime.now(UTC) + delay,
            )
            return
        except DumasError as exc:
            log.error("cycle failed: %s", exc)
        except Exception as exc:  # noqa: BLE001 - the daemon must outlive any single failure
            log.error("cycle failed unexpectedly: %s", where(exc))
        self.failures = 0

    def retry_delay(self) -> timedelta:
        cap = self.app.settings.schedule.poll_every_minutes
        return timedelta(minutes=min(2 ** (self.failures - 1), cap))


def build_scheduler(
    app: App, stop: threading.Event, mail_due: threading.Event | None = None
) -> BlockingScheduler:
    schedule = app.settings.schedule
    scheduler = BlockingScheduler(
        timezone=app.settings.office.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    cycle = CycleJob(app, scheduler, stop, mail_due=mail_due)
    scheduler.add_job(
        cycle,
        "interval",
        id="cycle",
        minutes=schedule.poll_every_minutes,
        next_run_time=datetime.now(UTC),
    )
    # Between cycles the outbox drains on its own beat, so an acknowledgement or a decision's
    # emails leave within a minute of being written rather than at the next poll.
    scheduler.add_job(
        _drain, "interval", id="outbox", args=(app,), minutes=schedule.send_every_minutes
    )
    return scheduler


class MailCycles:
    """Runs `MAIL_JOBS` whenever the IDLE watcher reports mail, in its own thread.

    Reports coalesce: mail arriving during a run sets the flag again and one more run follows,
    so nothing waits for the next poll and a burst costs one run, not one per message. (A job
    added to the scheduler instead could be skipped while the previous one still runs.)
    """

    def __init__(self, job: CycleJob, stop: threading.Event, tick: float = 1.0):
        self.job = job
        self.stop = stop
        self.tick = tick
        self.due = job.mail_due  # also read by the documents job, which makes way for intake
        self.runs = 0
        self._thread = threading.Thread(target=self._loop, name="mail-cycles", daemon=True)

    def notify(self, reason: str) -> None:
        log.log(
            logging.INFO if reason == "new mail" else logging.DEBUG,
            "%s in %s: running intake now",
            reason,
            self.job.app.settings.imap.folder,
        )
        self.due.set()

    def start(self) -> MailCycles:
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self.stop.is_set():
            if not self.due.wait(self.tick):
                continue
            self.due.clear()
            self.job()
            self.runs += 1


def watch_mailbox(
    app: App,
    scheduler: BlockingScheduler,
    stop: threading.Event,
    mail_due: threading.Event | None = None,
) -> tuple[MailboxWatcher, MailCycles] | None:
    """Start the IDLE watcher and its runner, or None when `[imap] idle` is off."""
    if not app.settings.imap.idle:
        return None
    job = CycleJob(app, scheduler, stop, only=MAIL_JOBS, mail_due=mail_due)
    cycles = MailCycles(job, stop).start()
    return MailboxWatcher(app.settings.imap, cycles.notify, stop).start(), cycles


def _drain(app: App) -> None:
    try:
        drain_outbox(app)
    except Exception as exc:  # noqa: BLE001 - the next beat tries again
        log.error("outbox drain failed: %s", where(exc))


def run_daemon(app: App) -> int:
    with job_lock(app.settings.storage_root, "daemon", wait=False):
        stop = threading.Event()
        # New mail seen by the IDLE watcher: shared, so that any cycle's documents job makes way.
        mail_due = threading.Event()
        scheduler = build_scheduler(app, stop, mail_due)

        def shutdown(signum, _frame):
            log.info("signal %s received: stopping after the current step", signum)
            stop.set()
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, shutdown)
        signal.signal(signal.SIGINT, shutdown)
        log.info(
            "dumas daemon started: polling %s every %s minute(s)%s",
            app.settings.imap.folder,
            app.settings.schedule.poll_every_minutes,
            ", and waiting in IDLE where offered" if app.settings.imap.idle else "",
        )
        r = app.settings.replies
        if note := unchecked_note(r.authentication, r.authserv_id, r.stamp_record):
            log.warning("%s", note)
        watching = watch_mailbox(app, scheduler, stop, mail_due)
        scheduler.start()
        stop.set()  # the scheduler also ends on its own (a test's shutdown): stop the threads
        for thread in watching or ():
            # Both wake within their tick; a dead connection's DONE must not hold up the exit.
            thread.join(timeout=5)
        log.info("dumas daemon stopped")
    return 0
