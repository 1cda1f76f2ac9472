"""Rendering one document in a worker process, with a hard time limit.

WeasyPrint's layout time grows faster than its input, and the input is a citizen's email: a
print-out once took 35 s where 1.6 s was expected, and nothing stopped it. A thread cannot be
stopped, so each document is rendered in a child process that is killed when its time is up.

The children come from a fork server: the daemon runs scheduler threads, and `fork()` of a threaded
process may leave a lock held forever in the child; the fork server is a single-threaded process
that has already imported WeasyPrint, so a worker starts in milliseconds instead of paying a fresh
interpreter and WeasyPrint import (about a second) per document, as `spawn` would.

    pdf = render_in_worker("cetakan", context, params, timeout=60)

Raises `RenderTimeout` (a `DocumentError`: the same input would take as long again) when the time
is up, `DocumentError` when the render itself said the document cannot be made, and `WorkerError`
(worth retrying) when the render failed otherwise or the worker died.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Mapping
from functools import lru_cache
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
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


class RenderTimeout(DocumentError):
    """The document was not rendered within its time limit; the worker was killed."""


class WorkerError(DumasError):
    """The render failed in a way that may not happen again (a bug, a killed or crashed worker)."""


def render_in_worker(
    kind: str,
    context: DocumentContext,
    params: Mapping[str, Any] | None,
    *,
    timeout: float,
    render_fn: RenderFn = render,
) -> bytes:
    """`render_fn(kind, context, params)` in a fresh worker process, killed after `timeout` s.

    `render_fn` must be picklable (a module-level function): tests pass a stand-in here.
    """
    receiving, sending = _context().Pipe(duplex=False)
    worker = _context().Process(
        target=_work,
        args=(sending, render_fn, kind, context, params, logs.level()),
        daemon=True,
    )
    worker.start()
    sending.close()  # the worker now holds the only writing end: its death reads as EOF here
    try:
        if not receiving.poll(timeout):
            worker.kill()
            raise RenderTimeout(f"rendering took more than {timeout:g} s and was stopped")
        try:
            outcome, payload = receiving.recv()
        except EOFError:
            worker.join(EXIT_GRACE_SECONDS)
            raise WorkerError(
                f"the rendering process ended without a result (exit code {worker.exitcode})"
            ) from None
    finally:
        receiving.close()
        _reap(worker)
    if outcome == "ok":
        return bytes(payload)
    if outcome == "document_error":
        raise DocumentError(payload)
    raise WorkerError(payload)


def html_to_pdf_in_worker(html: str, *, timeout: float) -> bytes:
    """`html_to_pdf(html)` (data-only fetcher) in a worker, killed after `timeout` s: for the
    print-outs made from HTML of their own (the recap), not from a document kind."""
    return render_in_worker("html", html, None, timeout=timeout, render_fn=_html_pdf)  # type: ignore[arg-type]


def _html_pdf(kind: str, html: str, params: Mapping[str, Any] | None) -> bytes:
    return html_to_pdf(html, data_only_fetcher())


def _work(
    sending: Connection,
    render_fn: RenderFn,
    kind: str,
    context: DocumentContext,
    params: Mapping[str, Any] | None,
    log_level: int = logging.INFO,
) -> None:
    """The worker's body: one render, its outcome sent back as plain data (never an exception
    object, whose unpickling could itself fail)."""
    # The fork server started from a fresh interpreter: without this, fontTools and WeasyPrint
    # would log at their own levels (one line per font subset) or not at all.
    logs.configure(verbose=log_level <= logging.DEBUG)
    try:
        result: tuple[str, Any] = ("ok", render_fn(kind, context, params))
    except DocumentError as exc:
        result = ("document_error", str(exc))
    except Exception as exc:  # noqa: BLE001 - reported to the job, which decides on a retry
        result = ("error", f"{type(exc).__name__}: {exc}")
    sending.send(result)
    sending.close()


def _reap(worker: multiprocessing.process.BaseProcess) -> None:
    worker.join(EXIT_GRACE_SECONDS if worker.exitcode is None else 0)
    if worker.is_alive():
        worker.kill()
        worker.join()
    worker.close()


@lru_cache(maxsize=1)
def _context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context
