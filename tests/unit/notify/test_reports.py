"""Producing recaps and semester reports exactly once, and their emails (notify.reports).

Real SQLite and a real file store in a temp dir; the clock is frozen and moved by hand. The
emails are checked as outbox rows (the SMTP side is the sender's, tested elsewhere and in
tests/integration/test_recap_delivery.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dumas.notify.compose import Composer
from dumas.notify.reports import CATCH_UP, ReportSetup, due_periods, produce, produce_due
from dumas.workflow.documents.sample import SampleOffice
from dumas.workflow.reports.days import DayCounter
from dumas.workflow.reports.periods import Delivery, Period
from dumas.workflow.reports.recap import RecapSetup
from dumas.workflow.reports.sample import CaseFactory, insert_cases
from dumas.workflow.reports.xlsx import read_figures
from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.definition import DEFAULT_SOP
from dumas.workflow.store.db import make_engine, make_sessionmaker, transaction, upgrade
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import OutboxMessage, ReportRun

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
KETUA, SEKRETARIS = "ketua@kpu.example", "sekretaris@kpu.example"


@dataclass(frozen=True)
class Office(SampleOffice):
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


@pytest.fixture
def env(tmp_path):
    url = f"sqlite:///{tmp_path}/dumas.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    setup = ReportSetup(
        recap=RecapSetup(DEFAULT_SOP, CAL, Office().name),
        office=Office(),
        delivery=Delivery(CAL, 1, time(8)),
        ketua=(KETUA,),
        sekretaris=(SEKRETARIS,),
        domain="kpu.example",
        composer=Composer(Office(), "PGD"),
        files=FileStore(tmp_path / "files"),
    )
    factory = CaseFactory(DEFAULT_SOP, DayCounter(CAL), wib(2027, 1, 20), seed=3)
    with transaction(sessions) as session:
        next_id = 1
        for code, count in (("2026-09", 6), ("2026-10", 9), ("2026-12", 4)):  # November: none
            insert_cases(session, factory, Period.month(code), count, next_id, next_id)
            next_id += count
    yield sessions, setup
    engine.dispose()


def _outbox(sessions) -> list[OutboxMessage]:
    with sessions() as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        for row in rows:
            _ = row.attachments  # load while the session is open
        return rows


def _runs(sessions) -> dict[str, ReportRun]:
    with sessions() as session:
        return {r.period_key: r for r in session.execute(select(ReportRun)).scalars()}


def test_produce_once_with_an_email_to_the_ketua_cc_the_sekretaris(env):
    sessions, setup = env
    october = Period.month("2026-10")
    with transaction(sessions) as session:
        done = produce(session, october, setup, wib(2026, 11, 1, 8))
    assert done.created and done.case_count == 9 and done.message_id
    [mail] = _outbox(sessions)
    assert mail.to_addrs == [KETUA] and mail.cc_addrs == [SEKRETARIS]
    assert mail.subject == "Rekapitulasi Pengaduan Masyarakat Oktober 2026"
    assert "Jumlah pengaduan diterima: 9" in mail.body_text
    assert "Yth. Ketua" in mail.body_text
    names = [(a.filename, a.storage_key) for a in mail.attachments]
    assert names == [
        ("rekap-pengaduan-2026-10.xlsx", done.xlsx_key),
        ("rekap-pengaduan-2026-10.pdf", done.pdf_key),
    ]
    assert setup.files.read(done.pdf_key).startswith(b"%PDF")
    assert read_figures(setup.files.read(done.xlsx_key))["total"] == 9
    assert _runs(sessions)[october.key].outbox_message_id == mail.message_id


def test_asking_again_changes_nothing_and_a_resend_is_a_new_message_with_the_same_files(env):
    sessions, setup = env
    october = Period.month("2026-10")
    with transaction(sessions) as session:
        first = produce(session, october, setup, wib(2026, 11, 1, 8))
    with transaction(sessions) as session:
        again = produce(session, october, setup, wib(2026, 11, 3, 8))
    assert not again.created and again.message_id == "" and again.run_id == first.run_id
    assert again.created_at == first.created_at  # the run made on the 1st, not a new one
    assert len(_outbox(sessions)) == 1
    with transaction(sessions) as session:
        resent = produce(session, october, setup, wib(2026, 11, 5, 8), resend=True)
    one, two = _outbox(sessions)
    assert resent.message_id == two.message_id != one.message_id
    assert [a.storage_key for a in two.attachments] == [a.storage_key for a in one.attachments]
    assert two.body_text == one.body_text  # the figures of the files, not of today
    assert _runs(sessions)[october.key].outbox_message_id == two.message_id


def test_a_run_made_without_sending_is_sent_by_the_schedule_without_being_made_again(env):
    sessions, setup = env
    october = Period.month("2026-10")
    with transaction(sessions) as session:
        made = produce(session, october, setup, wib(2026, 11, 1, 7), send=False)
    assert made.message_id == "" and _outbox(sessions) == []
    done = {d.period: d for d in produce_due(sessions, setup, wib(2026, 11, 1, 8))}
    assert list(done) == [Period.month("2026-09"), october]  # September was owed as well
    assert done[Period.month("2026-09")].created
    assert not done[october].created and done[october].xlsx_key == made.xlsx_key
    assert len(_outbox(sessions)) == 2


def test_the_schedule_across_months_with_downtime_sends_each_period_exactly_once(env):
    sessions, setup = env
    sent: Counter = Counter()
    at, end = wib(2026, 9, 25, 6), wib(2027, 1, 6)
    while at < end:
        down = wib(2026, 11, 28) <= at < wib(2026, 12, 3)  # the daemon was off over the 1st
        if not down:
            for done in produce_due(sessions, setup, at):
                sent[done.period.key] += 1
                assert setup.delivery.moment(done.period) <= at
        at += timedelta(hours=6)
    assert sent == {
        "recap:2026-09": 1,
        "recap:2026-10": 1,
        "recap:2026-11": 1,
        "recap:2026-12": 1,
        "semester:2026-2": 1,
    }
    mails = Counter(m.subject for m in _outbox(sessions))
    assert mails == {
        "Rekapitulasi Pengaduan Masyarakat September 2026": 1,
        "Rekapitulasi Pengaduan Masyarakat Oktober 2026": 1,
        "Rekapitulasi Pengaduan Masyarakat November 2026": 1,
        "Rekapitulasi Pengaduan Masyarakat Desember 2026": 1,
        "Laporan Semester Pengaduan Masyarakat Semester II Tahun 2026": 1,
    }
    runs = _runs(sessions)
    # The November recap went out late (after the downtime), and says there were no complaints.
    assert runs["recap:2026-11"].created_at >= wib(2026, 12, 3)
    november = next(m for m in _outbox(sessions) if "November" in m.subject)
    assert "tidak ada pengaduan yang diterima" in november.body_text
    assert runs["semester:2026-2"].case_count == 19  # September to December
    assert runs["semester:2026-2"].created_at >= wib(2027, 1, 4, 8)  # 1 Jan holiday, weekend


def test_nothing_is_owed_before_the_office_started(env):
    sessions, setup = env
    with sessions() as session:
        # The first complaint is in September 2026: the August recap is not owed.
        assert due_periods(session, setup.delivery, wib(2026, 9, 10)) == []
        assert due_periods(session, setup.delivery, wib(2026, 10, 1, 8)) == [
            Period.month("2026-09")
        ]


def test_catch_up_reaches_back_a_limited_time(env):
    sessions, setup = env
    now = wib(2027, 6, 10)
    with sessions() as session:
        due = due_periods(session, setup.delivery, now)
    assert due and all(setup.delivery.moment(p) > now - CATCH_UP for p in due)
    assert Period.month("2026-10") not in due  # older ones: `dumas recap --month`


def test_a_failing_period_does_not_stop_the_others(env, monkeypatch):
    from dumas.notify import reports
    from dumas.workflow.errors import DocumentError

    sessions, setup = env
    real = reports.build_files

    def flaky(session, period, *args, **kwargs):
        if period.key == "recap:2026-09":
            raise DocumentError("render failed")
        return real(session, period, *args, **kwargs)

    monkeypatch.setattr(reports, "build_files", flaky)
    done = produce_due(sessions, setup, wib(2026, 11, 2))
    assert [d.period.key for d in done] == ["recap:2026-10"]
    assert "recap:2026-09" not in _runs(sessions)
    monkeypatch.setattr(reports, "build_files", real)
    assert [d.period.key for d in produce_due(sessions, setup, wib(2026, 11, 2, 1))] == [
        "recap:2026-09"
    ]
