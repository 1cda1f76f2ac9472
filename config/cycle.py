"""One complete cycle of the office's jobs, in order: what `dumas poll` runs and the daemon schedules.

Intake first (new mail, recorded), then registration (numbers, acknowledgements, tasks), then the
work they created (deadlines, documents, reports), then the outbox, so that one cron line alone could run the office. Each job commits its own work: a job
that fails is logged and the next one still runs (the outbox must not wait for a broken PDF).
A mail server that cannot be reached stops the cycle with `MailServerError` only after the other
jobs ran, so reminders and queued mail do not depend on the IMAP server.
"""

from __future__ import annotations

import logging
import threading
import time

from dumas.config.app import App
from dumas.config.locks import job_lock
from dumas.notify.reports import run_due_reports
from dumas.workflow.errors import MailServerError, where

log = logging.getLogger(__name__)

# Deadlines before documents: closing a case on its clock ("tidak dilengkapi") makes a letter
# that its email carries, rendered in the same cycle rather than the next.
JOBS = ("intake", "registration", "deadlines", "documents", "reports", "outbox")
# What new mail needs at once (the daemon runs them when IMAP IDLE reports mail): take it in,
# register it, render its tanda terima (the acknowledgement waits for it), send. Deadlines and
# reports have nothing to do with a new message and stay on the scheduled cycle.
MAIL_JOBS = ("intake", "registration", "documents", "outbox")


def run_cycle(
    app: App,
    should_stop=lambda: False,
    only: tuple[str, ...] = JOBS,
    mail_waiting=lambda: False,
) -> dict:
    """Run the jobs in `only` once, in cycle order; returns {job: (result, seconds)}.

    A job that fails is logged and reported as `{"error": ...}`; the next job still runs.
    `mail_waiting()` true (the daemon's IDLE watcher saw new mail) ends the documents job once
    its receipts are rendered: the cycle goes on to the outbox and the daemon runs intake at once,
    so new mail does not wait for a backlog of print-outs (the next run renders them, after its
    own receipts).
    """
    results: dict = {}
    down: MailServerError | None = None
    for job in JOBS:
        if job not in only or should_stop():
            continue
        started = time.monotonic()
        try:
            result = _run(app, job, should_stop, send="outbox" in only, make_way=mail_waiting)
        except MailServerError as exc:
            down, result = exc, {"error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - one broken job must not starve the others
            log.error("job %s failed: %s", job, where(exc))
            result = {"error": f"{type(exc).__name__}: {exc}"}
        results[job] = (result, time.monotonic() - started)
    if down is not None:
        raise down
    return results


def describe(result) -> str:
    """One job's result in a few words: "registered 3", "nothing to do"."""
    if hasattr(result, "summary"):
        return result.summary()
    return ", ".join(f"{k} {v}" for k, v in result.items() if v) or "nothing to do"


def log_cycle(results: dict) -> None:
    """One line per job that did something (INFO), or that did nothing (DEBUG): a daemon polling
    every few minutes for years logs what changed, not that it looked."""
    for job, (result, seconds) in results.items():
        text = describe(result)
        if isinstance(result, dict) and "error" in result:
            continue  # logged as an error where it happened
        idle = text == "nothing to do" or text.endswith(": nothing new")
        log.log(logging.DEBUG if idle else logging.INFO, "%s: %s (%.1f s)", job, text, seconds)


def drain_outbox(app: App, sender=None) -> dict:
    """Send what is due; one drainer at a time, or a row could go out twice. Pass a `sender`
    (`app.sender()`) to keep its backoff from one drain to the next."""
    with job_lock(app.settings.storage_root, "outbox"):
        return (sender or app.sender()).drain()


def render_documents(app: App, should_stop=lambda: False, make_way=lambda: False) -> dict:
    """The documents job, with acknowledgements sent as their receipts appear.

    An acknowledgement waits for its own tanda terima only (issue 11 item 3): a thread drains the
    outbox each time the job stores a receipt (signals arriving during a drain coalesce into one
    more), so after an outage the first reporters are answered while the rest of the burst, and
    the print-outs after it, still render. One sender for the whole job keeps its backoff: an SMTP
    server that is down is not asked again for every receipt."""
    ready, done = threading.Event(), threading.Event()
    sender = app.sender()
    sent = 0

    def send() -> None:
        nonlocal sent
        while True:
            ready.wait()
            ready.clear()
            if done.is_set():
                return
            try:
                sent += drain_outbox(app, sender)["sent"]
            except Exception as exc:  # noqa: BLE001 - the outbox job at the cycle's end retries
                log.error("outbox drain after a receipt failed: %s", where(exc))

    sending = threading.Thread(target=send, name="receipt-acks", daemon=True)
    sending.start()
    try:
        counts = app.renderer().run(
            should_stop=should_stop, receipt_ready=ready.set, make_way=make_way
        )
    finally:
        done.set()
        ready.set()
        sending.join()
    return {**counts, "sent": sent}


def _run(app: App, job: str, should_stop, send: bool = True, make_way=lambda: False):
    if job == "intake":
        return app.poller().poll(should_stop)
    if job == "registration":
        # Start-up time (also below): the registrar and the deadline job bring the SOP machine
        # and the notify applier, which the CLI loads only for the commands that use them.
        from dumas.ingest.actions.registrar import Registrar

        return Registrar(app.toolkit).register_pending(app.sessions, app.clock, should_stop)
    if job == "documents":
        if not send:  # `dumas poll --only documents`: nothing leaves
            return app.renderer().run(should_stop=should_stop, make_way=make_way)
        return render_documents(app, should_stop, make_way)
    if job == "deadlines":
        from dumas.notify.deadlines import run_deadlines

        return run_deadlines(app.sessions, app.toolkit, app.clock)
    if job == "reports":
        return run_due_reports(app.sessions, app.report_setup(), app.clock.now())
    if job == "outbox":
        return drain_outbox(app)
    raise ValueError(f"unknown job {job!r}")
