"""The recap's content: one row per complaint received in a period, and the summary figures.

    recap = Recap(session, period, RecapSetup(sop, calendar, office_name), now)
    for row in recap.rows():      # streamed from the database, a few thousand at a time
        ...
    recap.summary                 # complete once rows() is exhausted

Rows are read with plain column selects and `yield_per`, never as ORM objects, so 100,000
complaints cost memory for a batch, not for the period. The summary is counted while the rows
go by; it only keeps counters and the longest-open cases.

What the columns mean (the rules the tests pin down):
- "Hari kerja dipakai" counts, like the STATUS command, from the moment the file was complete
  (when the 60-day clock of Perpres 76/2013 starts), or from receipt while it never was, to the
  closing of the case or, while it is open, to `now` (the time the recap is made).
- "Tepat waktu per tahap" is "Ya" when every SOP task of the case was closed by its deadline
  (an open task is late once its deadline is before `now`), "Tidak" otherwise (the late steps are
  named under Keterangan), "-" for a case that never had a task.
- "Tepat waktu (batas ...)" compares the closing (or `now`) with the SOP's `case_limit` counted
  from the complete file: "Ya", "Tidak", "Berjalan" (open and still within it; "Berjalan,
  mendekati batas" once past the limit's reminder, day 45 of 60), or "-" when the file was never
  complete (the limit never started).
- "Keterangan" says "Surat kepada pelapor belum terkirim." while the desk's task to send a
  reporter without email their letter (`pengiriman_surat_pelapor`) is open: the case counts as
  closed when it closed, the letter as unsent until the desk's TERKIRIM.
- A reporter who asked for confidentiality is shown as "Dirahasiakan", and their name and
  contacts are removed from the subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from typing import NamedTuple

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from dumas.workflow.documents.views import CHANNEL_LABELS, MISSING_LABELS
from dumas.workflow.extract.klasifikasi import KLASIFIKASI
from dumas.workflow.extract.redaction import DIRAHASIAKAN, redact
from dumas.workflow.formatting import one_line, ringkas
from dumas.workflow.reports.days import DayCounter
from dumas.workflow.reports.periods import Period
from dumas.workflow.reports.summary import NA, Summary
from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.definition import Sop
from dumas.workflow.sop.transitions import LETTER_ERRAND
from dumas.workflow.store.models import Pengaduan, Task

BATCH = 2000
TEXT_LIMIT = 500  # characters of free text per cell (terlapor, subject, outcome)
# The telaah results the workflow writes (commands_telaah), as the summary shows them.
TELAAH_RESULTS = {
    "berkadar_pengawasan": "Berkadar pengawasan",
    "diteruskan": "Diteruskan",
    "sub_bagian": "Diserahkan kepada sub bagian lain",
    "tidak_ditindaklanjuti": "Tidak dapat ditindaklanjuti",
}
# Statuses that are not the name of a step (see workflow.sop.definition: Step.status).
_OTHER_STATUS = {"diproses": "Dalam proses", "baru": "Baru diterima"}
YA, TIDAK, BERJALAN = "Ya", "Tidak", "Berjalan"
MENDEKATI = "Berjalan, mendekati batas"  # open, past the limit's reminder mark (day 45 of 60)


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    width: float  # Excel character widths
    kind: str  # "int", "date", "text" (one line) or "wrap" (long text, wrapped)


def columns(sop: Sop) -> tuple[Column, ...]:
    """The sheet's columns, in order; `RecapRow` has one field per column."""
    limit = sop.case_limit.label
    return (
        Column("no", "No", 6, "int"),
        Column("number", "Nomor Registrasi", 19, "text"),
        Column("received", "Tanggal Diterima", 12, "date"),
        Column("channel", "Saluran", 23, "text"),
        Column("pelapor", "Pelapor", 24, "wrap"),
        Column("terlapor", "Terlapor", 28, "wrap"),
        Column("kecamatan", "Kecamatan", 19, "text"),
        Column("desa", "Desa/Kelurahan", 18, "text"),
        Column("tps", "TPS", 6, "text"),
        Column("perihal", "Perihal/Ringkasan", 40, "wrap"),
        Column("klasifikasi", "Klasifikasi", 21, "wrap"),
        Column("disposisi", "Disposisi kepada", 19, "wrap"),
        Column("telaah_date", "Tanggal Telaah", 12, "date"),
        Column("telaah_result", "Hasil Telaah", 22, "wrap"),
        Column("diteruskan", "Diteruskan kepada", 26, "wrap"),
        Column("tindak_lanjut", "Tindak Lanjut", 36, "wrap"),
        Column("status", "Status", 28, "wrap"),
        Column("selesai", "Tanggal Selesai", 12, "date"),
        Column("hari_kerja", "Hari Kerja Dipakai", 10, "int"),
        Column("tepat_tahap", "Tepat Waktu per Tahap SOP", 12, "text"),
        Column("tepat_batas", f"Tepat Waktu (batas {limit})", 14, "text"),
        Column("keterangan", "Keterangan", 36, "wrap"),
    )


class RecapRow(NamedTuple):
    no: int
    number: str
    received: date
    channel: str
    pelapor: str
    terlapor: str
    kecamatan: str
    desa: str
    tps: str
    perihal: str
    klasifikasi: str
    disposisi: str
    telaah_date: date | None
    telaah_result: str
    diteruskan: str
    tindak_lanjut: str
    status: str
    selesai: date | None
    hari_kerja: int | None
    tepat_tahap: str
    tepat_batas: str
    keterangan: str


@dataclass(frozen=True)
class RecapSetup:
    sop: Sop
    calendar: WorkCalendar
    office_name: str


# --- labels (Indonesian, from the tables the workflow already has) ------------------------------


def status_label(status: str, sop: Sop) -> str:
    """ "selesai" -> "Selesai": the title of the step of that name, as the workflow shows it."""
    step = sop.steps.get(status)
    if step is not None and step.status == status:
        return step.title
    return _OTHER_STATUS.get(status) or status.replace("_", " ").capitalize() or "-"


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel or "email", channel)


def klasifikasi_label(value: str) -> str:
    """ "pidana_pemilu" -> "Pidana pemilu"; a class staff typed themselves stays as written."""
    if value in KLASIFIKASI:
        return value.replace("_", " ").capitalize()
    return one_line(value)


def telaah_label(value: str) -> str:
    return TELAAH_RESULTS.get(value) or value.replace("_", " ").capitalize()


def status_order(sop: Sop) -> list[str]:
    """Statuses in the order of the SOP (for the summary), each once."""
    out = []
    for step in sop.steps.values():
        if step.status not in out:
            out.append(step.status)
    return out


# --- reading the period -------------------------------------------------------------------------

P = Pengaduan
_CASE_COLUMNS = (
    P.id,
    P.number,
    P.received_at,
    P.channel,
    P.pelapor_name,
    P.pelapor_email,
    P.confidential,
    func.substr(P.terlapor, 1, TEXT_LIMIT),
    P.kecamatan,
    P.desa,
    P.tps,
    func.substr(P.subject, 1, TEXT_LIMIT),
    case((P.subject == "", func.substr(P.body, 1, 300)), else_=""),  # the body only if needed
    P.klasifikasi,
    P.disposisi_to,
    P.telaah_at,
    P.telaah_result,
    P.forwarded_to,
    func.substr(P.outcome, 1, TEXT_LIMIT),
    P.status,
    P.step,
    P.complete_at,
    P.closed_at,
    case((P.status.in_(("verifikasi", "menunggu_pelapor")), P.missing), else_=None),
    P.sifat,
    P.conflict_role,
)


def _line(value: str | None) -> str:
    """`one_line`, with a fast path for the usual value that needs nothing done (isprintable is
    False for control, bidi and line-break characters)."""
    if not value:
        return ""
    if value.isprintable() and "  " not in value and value[0] != " " and value[-1] != " ":
        return value
    return one_line(value)


_MAYBE_IDENTITY = re.compile(r"@|\d{6}|[:=]")


def _masked(text: str, name: str, email: str) -> str:
    """`text` without the reporter's identity; `redact` compiles patterns per name, so it only
    runs when a name word or an identity-like pattern could be there."""
    lower = text.lower()
    words = [w for w in (name or "").lower().split() if len(w) >= 3]
    if _MAYBE_IDENTITY.search(text) or any(w in lower for w in words):
        return redact(text, name, (email,))
    return text


class _Memo(dict):
    """label = memo[key], computed once per distinct key (a period has few distinct values)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def __missing__(self, key):
        value = self[key] = self.fn(key)
        return value


class Recap:
    """The recap of `period` as of `now`: `rows()` streams, `summary` fills up as it goes."""

    def __init__(self, session: Session, period: Period, setup: RecapSetup, now: datetime):
        self.session, self.period, self.setup, self.now = session, period, setup, now
        self.zone = setup.calendar.zone
        self.start, self.end = period.bounds(self.zone)
        self.days = DayCounter(setup.calendar)
        sop = setup.sop
        self.summary = Summary(
            status_order=[status_label(k, sop) for k in status_order(sop)],
            limit_label=sop.case_limit.label,
        )
        self._status = _Memo(lambda key: status_label(key, sop))
        self._channel = _Memo(channel_label)
        self._klasifikasi = _Memo(klasifikasi_label)
        self._telaah = _Memo(lambda key: telaah_label(key) if key else "")
        self._role = _Memo(lambda key: sop.role_title(key) if key else "")
        self._order = {name: i for i, name in enumerate(sop.steps)}
        self._step = _Memo(
            lambda key: (
                (sop.steps[key].title, sop.steps[key].terminal)
                if key in sop.steps
                else (key, False)
            )
        )
        buckets = period.buckets()
        self.summary.per_bucket = [[label, 0] for label, _, _ in buckets]
        self.summary.bucket_unit = "bulan" if period.kind == "semester" else "minggu"
        self._bucket_of = {
            date.fromordinal(d): i
            for i, (_, first, stop) in enumerate(buckets)
            for d in range(first.toordinal(), stop.toordinal())
        }

    def count(self) -> int:
        """How many complaints were received in the period (one cheap query)."""
        return self.session.execute(
            select(func.count())
            .select_from(P)
            .where(P.received_at >= self.start, P.received_at < self.end)
        ).scalar_one()

    def rows(self) -> Iterator[RecapRow]:
        """The period's complaints in order of receipt, numbered from 1."""
        # Core rows through the session's connection (the ORM's row machinery costs a third of
        # the time for plain columns); the tasks are counted by correlated subqueries, which
        # the database answers from the task index far faster than we could merge them.
        cases = self.session.connection().execute(
            select(*_CASE_COLUMNS, *self._task_columns())
            .where(P.received_at >= self.start, P.received_at < self.end)
            .order_by(P.received_at, P.id)
            .execution_options(yield_per=BATCH)
        )
        for no, rec in enumerate(chain.from_iterable(cases.partitions()), start=1):
            yield self._row(no, rec)

    def _task_columns(self):
        """(number of tasks, the late ones' steps joined with ",", whether the letter to a
        reporter without email is still to be sent) of the case, in SQL."""
        late = or_(
            and_(Task.closed_at.is_not(None), Task.closed_at > Task.due_at),
            and_(Task.closed_at.is_(None), Task.due_at < self.now),
        )
        mine = Task.pengaduan_id == P.id
        unsent = and_(mine, Task.step == LETTER_ERRAND, Task.closed_at.is_(None))
        return (
            select(func.count()).where(mine).scalar_subquery(),
            select(func.aggregate_strings(Task.step, ",")).where(mine, late).scalar_subquery(),
            select(func.count()).where(unsent).scalar_subquery(),
        )

    def _row(self, no: int, rec) -> RecapRow:
        (
            _,
            number,
            received_at,
            channel,
            name,
            email,
            confidential,
            terlapor,
            kecamatan,
            desa,
            tps,
            subject,
            body,
            klasifikasi,
            disposisi,
            telaah_at,
            telaah_result,
            forwarded_to,
            outcome,
            status,
            step,
            complete_at,
            closed_at,
            missing,
            sifat,
            conflict,
            tasks,
            late,
            unsent,
        ) = rec
        zone = self.zone
        used = self.days.working_days_used(complete_at or received_at, closed_at or self.now)
        perihal = _line(subject) or ringkas(one_line(body), 200)
        if confidential:
            perihal = _masked(perihal, name, email)
        on_time = self._limit(complete_at, closed_at)
        row = RecapRow(
            no,
            number or "",
            received_at.astimezone(zone).date(),
            self._channel[channel],
            DIRAHASIAKAN if confidential else _line(name or email),
            _line(terlapor),
            _line(kecamatan),
            _line(desa),
            _line(tps),
            perihal,
            self._klasifikasi[klasifikasi],
            self._role[disposisi],
            telaah_at.astimezone(zone).date() if telaah_at else None,
            self._telaah[telaah_result],
            _line(forwarded_to),
            self._tindak_lanjut(step, outcome, forwarded_to),
            self._status[status],
            closed_at.astimezone(zone).date() if closed_at else None,
            used,
            (TIDAK if late else YA) if tasks else NA,
            on_time,
            self._keterangan(late, missing, sifat, conflict, bool(unsent))
            if late or missing or conflict or sifat != "biasa" or unsent
            else "",
        )
        self._count(row, received_at, complete_at, closed_at, on_time, bool(tasks) and not late)
        return row

    def _limit(self, complete_at: datetime | None, closed_at: datetime | None) -> str:
        if complete_at is None:
            return NA
        deadline = self.days.add(complete_at, self.setup.sop.case_limit)
        if closed_at is not None:
            return YA if closed_at <= deadline else TIDAK
        if self.now > deadline:
            return TIDAK
        near = self.days.add(complete_at, self.setup.sop.case_limit_marks()[0])
        return MENDEKATI if self.now >= near else BERJALAN

    def _tindak_lanjut(self, step: str, outcome: str, forwarded_to: str) -> str:
        """What became of it: the closing step and its outcome, or the step it is at."""
        title, terminal = self._step[step]
        if not terminal:
            return f"Dalam proses: {title}"
        if outcome:
            return f"{title}: {_line(outcome)}"
        if forwarded_to:
            return f"Surat penerusan kepada {_line(forwarded_to)}"
        return title

    def _keterangan(
        self, late: str | None, missing, sifat: str, conflict: str, unsent: bool = False
    ) -> str:
        notes = []
        if unsent:  # closed, but the desk has not yet sent the reporter their letter
            notes.append("Surat kepada pelapor belum terkirim.")
        if late:
            order = self._order
            steps = sorted(set(late.split(",")), key=lambda s: (order.get(s, len(order)), s))
            names = dict.fromkeys(self._step[s][0] for s in steps)
            notes.append("Terlambat pada tahap: " + ", ".join(names) + ".")
        if missing:
            notes.append(
                "Belum lengkap: " + "; ".join(MISSING_LABELS.get(m, m) for m in missing) + "."
            )
        if sifat and sifat.lower() != "biasa":
            notes.append(f"Sifat: {_line(sifat).replace('_', ' ')}.")
        if conflict:
            notes.append(f"Konflik kepentingan: {self._role[conflict]}.")
        return " ".join(notes)

    def _count(
        self,
        row: RecapRow,
        received_at: datetime,
        complete_at: datetime | None,
        closed_at: datetime | None,
        on_time: str,
        steps_ok: bool,
    ) -> None:
        age = None
        if closed_at is None or closed_at >= self.end:  # still open when the period ended
            start = (
                complete_at if complete_at is not None and complete_at < self.end else received_at
            )
            age = self.days.working_days_used(start, self.end)
        self.summary.add(
            row, self._bucket_of[row.received], closed_at is not None, on_time, steps_ok, age
        )
