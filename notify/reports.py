"""Producing the monthly recap and the semester report exactly once, and emailing them.

    run_due_reports(sessions, setup, now)        # the cycle's "reports" job
    produce_due(sessions, setup, now)            # the same, returning the runs
    produce(session, period, setup, now, send=)  # one period, inside the caller's transaction

A period is produced once: its `ReportRun` row (unique `period_key`, "recap:2026-10",
"semester:2026-1") is written in the same transaction as the outbox email, after both files were
stored (content-addressed, so a crash before the commit only leaves files that the retry stores
again under the same keys). A restart finds the row and sends nothing; a daemon that was down at
the delivery moment finds the period due and not yet produced, and catches up.

The email goes to the Ketua, cc the Sekretaris, with the workbook and the print-out attached and
the key figures in the body, quoted from the workbook itself (its "dumas.figures" property), so a
re-send says exactly what the attached files say. A re-send on demand is a new outbox row (a new
Message-ID) for the same run and the same files.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from dumas.notify.compose import Composer
from dumas.notify.outbox import FileRef, OutgoingEmail, enqueue
from dumas.workflow.documents.views import OfficeLike
from dumas.workflow.errors import DumasError
from dumas.workflow.reports.pdf import MAX_PRINTED_ROWS, render_recap_pdf
from dumas.workflow.reports.periods import KINDS, RECAP, Delivery, Period
from dumas.workflow.reports.recap import Recap, RecapRow, RecapSetup
from dumas.workflow.reports.summary import Summary
from dumas.workflow.reports.xlsx import read_figures, write_workbook
from dumas.workflow.store.db import transaction
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import Pengaduan, RawMessage, ReportRun

# Wraps the rows as they are read: (rows, total, description) -> the same rows. The CLI passes
# a progress bar (config/cli/progress.py); the daemon passes nothing.
RowProgress = Callable[[Iterable[RecapRow], int, str], Iterable[RecapRow]]

log = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
TEMPLATES = {RECAP: "rekap", "semester": "laporan_semester"}
# How far back a starting daemon catches up on its own (older periods: `dumas recap --month`).
# Long enough for any downtime, short enough that turning the feature on in an office that has
# used Dumas for years does not mail the Ketua every month since.
CATCH_UP = timedelta(days=100)


@dataclass(frozen=True)
class ReportSetup:
    """Everything producing and sending reports needs (built by `config` from the settings)."""

    recap: RecapSetup
    office: OfficeLike
    delivery: Delivery
    ketua: tuple[str, ...]
    sekretaris: tuple[str, ...]
    domain: str  # for Message-IDs
    composer: Composer
    files: FileStore
    logo: bytes = b""


@dataclass(frozen=True)
class RecapFiles:
    period: Period
    xlsx: bytes
    pdf: bytes | None
    summary: Summary

    @property
    def xlsx_name(self) -> str:
        return xlsx_name(self.period)

    @property
    def pdf_name(self) -> str:
        return pdf_name(self.period)


def xlsx_name(period: Period) -> str:
    """ "rekap-pengaduan-2026-10.xlsx", "laporan-semester-pengaduan-2026-1.xlsx"."""
    return f"{period.slug}.xlsx"


def pdf_name(period: Period) -> str:
    return f"{period.slug}.pdf"


@dataclass(frozen=True)
class Produced:
    """What `produce` did for one period."""

    period: Period
    run_id: int
    created: bool  # False: the period had been produced before
    created_at: datetime
    case_count: int
    xlsx_key: str
    pdf_key: str
    message_id: str = ""  # of the email queued by this call ("" when none was)


def build_files(
    session: Session,
    period: Period,
    setup: RecapSetup,
    office: OfficeLike,
    now: datetime,
    *,
    pdf: bool = True,
    logo: bytes = b"",
    progress: RowProgress | None = None,
) -> RecapFiles:
    """The workbook (and the print-out) of `period` as of `now`, in one pass over the rows."""
    recap = Recap(session, period, setup, now)
    printed: list[RecapRow] = []

    def rows() -> Iterator[RecapRow]:
        source: Iterable[RecapRow] = recap.rows()
        if progress is not None:  # the count costs a query: only when someone is watching
            source = progress(source, recap.count(), f"recap {period.key}")
        for row in source:
            if pdf and len(printed) < MAX_PRINTED_ROWS:
                printed.append(row)
            yield row

    out = io.BytesIO()
    summary = write_workbook(out, recap, rows())
    document = render_recap_pdf(recap, printed, office, logo=logo) if pdf else None
    return RecapFiles(period, out.getvalue(), document, summary)


def produce(
    session: Session,
    period: Period,
    setup: ReportSetup,
    now: datetime,
    *,
    send: bool = True,
    resend: bool = False,
    progress: RowProgress | None = None,
) -> Produced:
    """Produce `period` unless it was produced before; queue its email when `send` and none was
    queued yet (or always, when `resend`). Runs in the caller's transaction: commit to keep it.

    Raises IntegrityError (from the flush) when another process produced the same period at the
    same moment; the caller rolls back and finds the run on its next try.
    """
    found = session.execute(
        select(ReportRun).where(ReportRun.period_key == period.key)
    ).scalar_one_or_none()
    created = found is None
    run = _new_run(session, period, setup, now, progress) if found is None else found
    message_id = ""
    if send and (resend or not run.outbox_message_id):
        message_id = _queue_email(session, run, period, setup, now)
        run.outbox_message_id = message_id
    session.flush()
    return Produced(
        period,
        run.id,
        created,
        run.created_at,
        run.case_count,
        run.xlsx_key,
        run.pdf_key,
        message_id,
    )


def _new_run(
    session: Session,
    period: Period,
    setup: ReportSetup,
    now: datetime,
    progress: RowProgress | None = None,
) -> ReportRun:
    files = build_files(
        session, period, setup.recap, setup.office, now, logo=setup.logo, progress=progress
    )
    assert files.pdf is not None  # build_files prints unless told pdf=False
    xlsx_key, _ = setup.files.put("report", files.xlsx)
    pdf_key, _ = setup.files.put("report", files.pdf)
    setup.files.flush()  # durable before the row that points at them commits
    run = ReportRun(
        period_key=period.key,
        created_at=now,
        case_count=files.summary.total,
        xlsx_key=xlsx_key,
        pdf_key=pdf_key,
        outbox_message_id="",
    )
    session.add(run)
    session.flush()
    log.info("%s produced: %d complaint(s)", period.key, files.summary.total)
    return run


def _queue_email(
    session: Session, run: ReportRun, period: Period, setup: ReportSetup, now: datetime
) -> str:
    if not setup.ketua:
        raise DumasError("no Ketua address to send the report to ([roles] ketua)")
    figures = read_figures(setup.files.read(run.xlsx_key))
    composed = setup.composer.compose(TEMPLATES[period.kind], **email_context(period, figures))
    email = OutgoingEmail(
        kind=TEMPLATES[period.kind],
        to=tuple(setup.ketua),
        cc=tuple(a for a in setup.sekretaris if a not in setup.ketua),
        subject=composed.subject,
        body_text=composed.text,
        body_html=composed.html,
        files=(
            FileRef(storage_key=run.xlsx_key, filename=xlsx_name(period), content_type=XLSX_TYPE),
            FileRef(storage_key=run.pdf_key, filename=pdf_name(period), content_type=PDF_TYPE),
        ),
    )
    row = enqueue(session, email, setup.domain, now)
    log.info("%s: email %s queued for the Ketua", period.key, row.message_id)
    return row.message_id


def email_context(period: Period, figures: dict) -> dict:
    """The template variables of rekap.* / laporan_semester.* (figures from the workbook)."""

    def pct(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%".replace(".", ",") if whole else "-"

    f = figures
    return {
        "period": period.label,
        "range": period.range_label,
        "as_of": datetime.fromisoformat(f["as_of"]),
        "total": f["total"],
        "by_status": f["by_status"],
        "top_klasifikasi": f["top_klasifikasi"],
        "top_kecamatan": f["top_kecamatan"],
        "forwarded": f["forwarded"],
        "closed": f["closed"],
        "limit_label": f["limit_label"],
        "limit_applies": f["limit_applies"],
        "within_limit": f["within_limit"],
        "within_pct": pct(f["within_limit"], f["limit_applies"]),
        "steps_on_time": f["steps_on_time"],
        "steps_pct": pct(f["steps_on_time"], f["closed"]),
        "open_at_end": f["open_at_end"],
        "xlsx_name": xlsx_name(period),
        "pdf_name": pdf_name(period),
    }


# --- the schedule ---------------------------------------------------------------------------


def due_periods(session: Session, delivery: Delivery, now: datetime) -> list[Period]:
    """Periods (both kinds, oldest first) whose delivery moment has passed and whose email has
    not been queued, within the catch-up window and not before the office's first mail."""
    sent = set(
        session.execute(
            select(ReportRun.period_key).where(ReportRun.outbox_message_id != "")
        ).scalars()
    )
    window = now - CATCH_UP
    candidates = [
        p
        for kind in KINDS
        for p in delivery.due(kind, window, now, sent)
        if delivery.moment(p) > window
    ]
    if not candidates:
        return []
    since = operating_since(session)
    if since is None:
        return []
    zone = delivery.calendar.zone
    return sorted(
        (p for p in candidates if p.bounds(zone)[1] > since),
        key=lambda p: (delivery.moment(p), p.kind),
    )


def operating_since(session: Session) -> datetime | None:
    """When the office started to use Dumas: its first complaint or first fetched message."""
    firsts = [
        session.execute(select(func.min(Pengaduan.received_at))).scalar(),
        session.execute(select(func.min(RawMessage.fetched_at))).scalar(),
    ]
    found = [f for f in firsts if f is not None]
    return min(found) if found else None


def produce_due(
    sessions: sessionmaker[Session], setup: ReportSetup, now: datetime
) -> list[Produced]:
    """Produce and queue every due period, each in its own transaction (the daemon's job).

    Safe to call on every cycle and from several processes: a period already queued is not
    touched, and two producers racing for one period end with one run (the loser's insert
    fails on the unique key and is rolled back).
    """
    with sessions() as session:
        due = due_periods(session, setup.delivery, now)
    done = []
    for period in due:
        try:
            with transaction(sessions) as session:
                done.append(produce(session, period, setup, now, send=True))
        except IntegrityError:
            log.info("%s was produced by another process meanwhile", period.key)
        except DumasError as exc:  # one period failing must not hold back the others
            log.error("%s could not be produced (will retry next cycle): %s", period.key, exc)
    return done


def run_due_reports(
    sessions: sessionmaker[Session], setup: ReportSetup, now: datetime
) -> dict[str, list[str]]:
    """The cycle's "reports" job, between the deadlines and the outbox: `produce_due`, told as
    the period keys produced and queued, e.g.
    {"produced": ["recap:2026-10"], "queued": ["recap:2026-10"]}."""
    done = produce_due(sessions, setup, now)
    return {
        "produced": [d.period.key for d in done if d.created],
        "queued": [d.period.key for d in done if d.message_id],
    }
