"""Rendering documents in worker processes, each render under a hard time limit.

WeasyPrint's layout time grows faster than its input, and the input is a citizen's email: a
print-out once took 35 s where 1.6 s was expected, and nothing stopped it. A thread cannot be
stopped, so documents are rendered in child processes, and a child whose document is not done in
time is killed.

The children come from a fork server: the daemon runs scheduler threads, and `fork()` of a threaded
process may leave a lock held forever in the child; the fork server is a single-threaded process
that has already imported WeasyPrint and rendered every kind once (`warmup.py`), so a worker starts
in milliseconds and warm.

A `RenderPool` keeps its workers for many documents (issue 11 item 3: after an outage a burst of
receipts renders at the speed of WeasyPrint, not of process start-up and cold caches). A worker is
killed and replaced only when a document exceeds its time limit (or the worker died); it is also
retired after `MAX_RENDERS` documents, so whatever one render leaves behind in its memory is
bounded.

    with RenderPool(2, timeout=60) as pool:  # thread-safe: one render per calling thread
        pdf = pool.render("cetakan", context, params)
    pdf = render_in_worker("cetakan", context, params, timeout=60)  # one document, one process

Raises `RenderTimeout` (a `DocumentError`: the same input would take as long again) when the time
is up, `DocumentError` when the render itself said the document cannot be made, and `WorkerError`
(worth retrying) when the render failed otherwise or the worker died.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
from collections.abc import Callable, Mapping
from functools import lru_cache
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from types import TracebackType
from typing import Any

from dumas.workflow import logs
from dumas.workflow.documents.render import data_only_fetcher, html_to_pdf, render
from dumas.workflow.documents.views import DocumentContext
from dumas.workflow.errors import DocumentError, DumasError

RenderFn = Callable[[str, DocumentContext, Mapping[str, Any] | None], bytes]

# What the fork server imports once, so that every worker starts with it: this module (and through
# it the templates' code) and the fetcher, which imports WeasyPrint and Pango.
PRELOAD = [
    "dumas.workflow.documents.worker",
    "dumas.workflow.documents.fetcher",
    "dumas.workflow.documents.warmup",  # last: renders once, so workers start warm
]
# After the result is in, how long a worker may take to exit before it is killed.
EXIT_GRACE_SECONDS = 5.0
# Documents one worker renders before it is replaced by a fresh one from the fork server.
MAX_RENDERS = 200


class RenderTimeout(DocumentError):
    """The document was not rendered within its time limit; the worker was killed."""


class WorkerError(DumasError):
    """The render failed in a way that may not happen again (a bug, a killed or crashed worker)."""


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, render_fn: RenderFn) -> None:
        self.conn, child = _context().Pipe(duplex=True)
        self.process = _context().Process(
            target=_serve, args=(child, render_fn, logs.level()), daemon=True
        )
        self.process.start()
        child.close()  # the worker holds the only other end: its death reads as EOF here
        self.renders = 0
        self.exitcode: int | None = None

    def render(
        self, kind: str, context: DocumentContext, params: Mapping[str, Any] | None, timeout: float
    ) -> tuple[str, Any]:
        """The worker's outcome; raises RenderTimeout (worker killed) or WorkerError (it died)."""
        self.renders += 1
        try:
            self.conn.send((kind, context, params))
            if not self.conn.poll(timeout):
                self.close(kill=True)
                raise RenderTimeout(f"rendering took more than {timeout:g} s and was stopped")
            outcome: tuple[str, Any] = self.conn.recv()
            return outcome
        except (EOFError, OSError):
            self.close()
            raise WorkerError(
                f"the rendering process ended without a result (exit code {self.exitcode})"
            ) from None

    def close(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            # "No more work": the worker returns and exits (unless it is already gone).
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.conn.close()
        self.exitcode = _reap(self.process)


class RenderPool:
    """Long-lived render workers, started on first use, at most one per calling thread.

    `render_fn` must be picklable (a module-level function): tests pass a stand-in here."""

    def __init__(self, size: int, *, timeout: float, render_fn: RenderFn = render) -> None:
        self._size = max(1, size)
        self._timeout = timeout
        self._render_fn = render_fn
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def render(
        self, kind: str, context: DocumentContext, params: Mapping[str, Any] | None
    ) -> bytes:
        worker = self._take()
        try:
            outcome, payload = worker.render(kind, context, params, self._timeout)
        except DumasError:
            raise  # the worker is gone (killed at its limit, or dead): not given back
        except BaseException:
            worker.close(kill=True)  # interrupted mid-render: its pipe may hold a stale result
            raise
        self._give_back(worker)
        if outcome == "ok":
            return bytes(payload)
        if outcome == "document_error":
            raise DocumentError(payload)
        raise WorkerError(payload)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _Worker(self._render_fn)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if worker.renders < MAX_RENDERS and len(self._idle) < self._size:
                self._idle.append(worker)
                return
        worker.close()


def render_in_worker(
    kind: str,
    context: DocumentContext,
    params: Mapping[str, Any] | None,
    *,
    timeout: float,
    render_fn: RenderFn = render,
) -> bytes:
    """`render_fn(kind, context, params)` in a fresh worker process, killed after `timeout` s:
    one document (the command line's); the documents job renders through a `RenderPool`."""
    with RenderPool(1, timeout=timeout, render_fn=render_fn) as pool:
        return pool.render(kind, context, params)


def html_to_pdf_in_worker(html: str, *, timeout: float) -> bytes:
    """`html_to_pdf(html)` (data-only fetcher) in a worker, killed after `timeout` s: for the
    print-outs made from HTML of their own (the recap), not from a document kind."""
    return render_in_worker("html", html, None, timeout=timeout, render_fn=_html_pdf)  # type: ignore[arg-type]


def _html_pdf(kind: str, html: str, params: Mapping[str, Any] | None) -> bytes:
    return html_to_pdf(html, data_only_fetcher())


def _serve(conn: Connection, render_fn: RenderFn, log_level: int = logging.INFO) -> None:
    """The worker's body: render what the parent sends until it sends None (or goes away); each
    outcome is sent back as plain data (never an exception object, whose unpickling could itself
    fail)."""
    # The fork server started from a fresh interpreter: without this, fontTools and WeasyPrint
    # would log at their own levels (one line per font subset) or not at all.
    logs.configure(verbose=log_level <= logging.DEBUG)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        kind, context, params = job
        try:
            result: tuple[str, Any] = ("ok", render_fn(kind, context, params))
        except DocumentError as exc:
            result = ("document_error", str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the job, which decides on a retry
            result = ("error", f"{type(exc).__name__}: {exc}")
        conn.send(result)


def _reap(worker: multiprocessing.process.BaseProcess) -> int | None:
    """Wait for the worker to exit (kill it after the grace time); its exit code."""
    worker.join(EXIT_GRACE_SECONDS if worker.exitcode is None else 0)
    if worker.is_alive():
        worker.kill()
        worker.join()
    code = worker.exitcode
    worker.close()
    return code


@lru_cache(maxsize=1)
def _context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context
