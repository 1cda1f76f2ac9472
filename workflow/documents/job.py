"""The documents job: render pending `Document` rows to PDF, after the commit that created them.

Intake never waits for WeasyPrint: it writes `pending` rows and this job, run next in the cycle,
renders them in worker processes that live for the whole run, each document under a time limit
(`worker.py`'s `RenderPool`; no transaction is open meanwhile). Receipts go first, and the caller
hears of each one rendered (`receipt_ready`), so its acknowledgement can leave at once. A render that fails is retried with backoff; one that can never
succeed (`DocumentError`: the data is not there, or it took longer than the limit) or keeps failing is marked `failed`, recorded on
the case's timeline and logged — the case itself is never touched, and an email waiting for the
document goes out without it (see `notify.sender`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta, tzinfo
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import case as sql_case
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from dumas.workflow.clock import Clock
from dumas.workflow.documents.render import render
from dumas.workflow.documents.thumbnails import ThumbnailCache
from dumas.workflow.documents.views import view_of
from dumas.workflow.documents.worker import RenderFn, RenderPool
from dumas.workflow.errors import DocumentError, where
from dumas.workflow.store import events
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import Attachment, Document, Event, Pengaduan, RawMessage

if TYPE_CHECKING:
    from dumas.workflow.documents.views import DocumentContext, OfficeLike

    class RenderOffice(OfficeLike, Protocol):
        """The office settings a document needs: its letterhead fields and its time zone."""

        @property
        def tz(self) -> tzinfo: ...


log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Documents an email to the reporter waits for: rendered before all others.
FIRST_KINDS = ("tanda_terima",)
# Due documents taken per worker before the due list is read again.
BATCH_PER_WORKER = 4
FIRST_RETRY = timedelta(minutes=2)
RENDER_TIMEOUT_SECONDS = 60.0  # `[documents] render_timeout_seconds`


class DocumentRenderer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        files: FileStore,
        office: RenderOffice,
        clock: Clock,
        *,
        render_timeout: float = RENDER_TIMEOUT_SECONDS,
        render_fn: RenderFn = render,
        workers: int = 1,
    ) -> None:
        self._sessions = sessions
        self._files = files
        self._office = office
        self._clock = clock
        self._render_timeout = render_timeout
        self._render_fn = render_fn  # run in the worker; tests pass a stand-in
        self._workers = max(1, workers)
        # One job renders several documents of the same case: each photo is decoded once.
        self._thumbnails = ThumbnailCache()

    def run(
        self,
        limit: int | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        receipt_ready: Callable[[], None] = lambda: None,
        make_way: Callable[[], bool] = lambda: False,
    ) -> dict[str, int]:
        """Render due documents until none is left (or `limit` were tried, or `should_stop`);
        returns counts of rendered / retry / failed.

        Receipts first: an acknowledgement waits for its tanda terima only, so after an outage
        the burst's receipts go before any print-out, and `receipt_ready()` is called after each
        one is stored (the cycle then sends its acknowledgement without waiting for the rest).
        Up to `workers` documents render at once, in as many long-lived worker processes; the
        due list is read again after every small batch, so receipts of mail that arrived
        meanwhile still go first. `make_way()` true (the daemon has new mail to take in) ends
        the run once only print-outs are left: receipts are always rendered, the print-outs wait
        for the next run."""
        counts = {"rendered": 0, "retry": 0, "failed": 0}
        tried: set[int] = set()  # a document retried later is not tried twice in one run
        with (
            RenderPool(
                self._workers, timeout=self._render_timeout, render_fn=self._render_fn
            ) as workers,
            ThreadPoolExecutor(self._workers, thread_name_prefix="render") as threads,
        ):

            def one(doc_id: int) -> str:
                outcome, kind = self._render_one(doc_id, workers, should_stop)
                if outcome == "rendered" and kind in FIRST_KINDS:
                    receipt_ready()
                return outcome

            while not should_stop() and (limit is None or len(tried) < limit):
                room = BATCH_PER_WORKER * self._workers
                if limit is not None:
                    room = min(room, limit - len(tried))
                due = [(d, k) for d, k in self._due(room + len(tried)) if d not in tried][:room]
                if not due or (make_way() and not any(k in FIRST_KINDS for _, k in due)):
                    break
                batch = [d for d, _ in due]
                tried.update(batch)
                for outcome in threads.map(one, batch):
                    if outcome:
                        counts[outcome] += 1
        return counts

    def _due(self, limit: int) -> list[tuple[int, str]]:
        """(id, kind) of the documents to render, receipts first."""
        now = self._clock.now()
        with self._sessions() as session:
            rows = session.execute(
                select(Document.id, Document.kind)
                .where(
                    Document.status == "pending",
                    or_(Document.next_attempt_at.is_(None), Document.next_attempt_at <= now),
                )
                .order_by(
                    sql_case((Document.kind.in_(FIRST_KINDS), 0), else_=1),
                    Document.id,
                )
                .limit(limit)
            )
            return [(doc_id, kind) for doc_id, kind in rows]

    def _render_one(
        self, doc_id: int, workers: RenderPool, should_stop: Callable[[], bool] = lambda: False
    ) -> tuple[str, str]:
        """Render one document and record the outcome ("" when stopped before it started);
        returns the outcome and the document's kind."""
        if should_stop():
            return "", ""
        failure: Exception | None = None
        try:
            pdf = self._render(doc_id, workers)
        except Exception as exc:  # noqa: BLE001 - a render bug must not stop the cycle
            pdf, failure = b"", exc
        with self._sessions() as session, session.begin():
            # _due() just read the id, and documents and cases are never deleted.
            doc = session.get_one(Document, doc_id)
            case = session.get_one(Pengaduan, doc.pengaduan_id)
            doc.attempts += 1
            if isinstance(failure, DocumentError):
                return self._failed(session, doc, case, str(failure), permanent=True), doc.kind
            if failure is not None:
                log.error(
                    "rendering document %s of case %s failed: %s",
                    doc.id,
                    case.number,
                    where(failure),
                )
                outcome = self._failed(
                    session,
                    doc,
                    case,
                    f"{type(failure).__name__}: {failure}",
                    permanent=doc.attempts >= MAX_ATTEMPTS,
                )
                return outcome, doc.kind
            doc.storage_key, doc.sha256 = self._files.put("doc", pdf, sync=True)
            doc.size, doc.status, doc.error = len(pdf), "rendered", ""
            doc.rendered_at = self._clock.now()
            # DEBUG: the cycle logs "documents: rendered N"; the row records each one.
            log.debug("rendered %s for case %s", doc.filename, case.number)
            return "rendered", doc.kind

    def _render(self, doc_id: int, workers: RenderPool) -> bytes:
        """Read what the document shows, then render it in a worker with no transaction open: on
        SQLite a transaction holds the write lock, and intake must not wait for a render."""
        with self._sessions() as session:
            doc = session.get_one(Document, doc_id)
            case = session.get_one(Pengaduan, doc.pengaduan_id)
            kind, params = doc.kind, dict(doc.params or {})
            context = self.context(session, case, kind)
        return workers.render(kind, context, params)

    def context(self, session: Session, case: Pengaduan, kind: str) -> DocumentContext:
        attachments = (
            session.execute(
                select(Attachment).where(Attachment.pengaduan_id == case.id).order_by(Attachment.id)
            )
            .scalars()
            .all()
        )
        raw = session.execute(
            select(RawMessage)
            .where(RawMessage.pengaduan_id == case.id, RawMessage.disposition == "complaint")
            .order_by(RawMessage.id)
            .limit(1)
        ).scalar()
        timeline: Sequence[Event] = ()
        if kind == "riwayat":
            timeline = (
                session.execute(
                    select(Event).where(Event.pengaduan_id == case.id).order_by(Event.at, Event.id)
                )
                .scalars()
                .all()
            )
        return view_of(
            case,
            attachments,
            self._office,
            self._office.tz,
            self._files.read,
            raw=raw,
            events=timeline,
            now=self._clock.now(),
            thumbnails=self._thumbnails,
        )

    def _failed(
        self, session: Session, doc: Document, case: Pengaduan, error: str, permanent: bool
    ) -> str:
        doc.error = error[:1000]
        now = self._clock.now()
        if not permanent:
            doc.next_attempt_at = now + FIRST_RETRY * 2 ** (doc.attempts - 1)
            log.warning("document %s of case %s will be retried", doc.id, case.number)
            return "retry"
        doc.status = "failed"
        log.error("document %s of case %s failed for good (see `dumas show`)", doc.id, case.number)
        events.record(
            session,
            "dokumen_gagal",
            now,
            pengaduan_id=case.id,
            summary=f"Dokumen {doc.filename} gagal dibuat: {error[:200]}",
        )
        return "failed"
