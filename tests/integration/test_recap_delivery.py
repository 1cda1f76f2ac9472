"""The monthly recap and the semester report reach the Ketua's real mailbox exactly once.

Real Dovecot and SMTP (the rig), real SQLite, the real outbox sender; the clock is frozen and
moved in six-hour steps from September 2026 to January 2027, as a daemon cycle would run. The
daemon is down from 28 November to 3 December (over the 1st) and is restarted (a new App)
afterwards: the November recap goes out late, once, and nothing goes out twice.
"""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dumas.config.app import App
from dumas.config.settings import load_settings
from dumas.notify.reports import run_due_reports
from dumas.notify.sender import OutboxSender
from dumas.workflow.clock import FrozenClock
from dumas.workflow.reports.days import DayCounter
from dumas.workflow.reports.periods import Period
from dumas.workflow.reports.sample import CaseFactory, insert_cases
from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.definition import DEFAULT_SOP
from dumas.workflow.store.db import transaction, upgrade

WIB = ZoneInfo("Asia/Jakarta")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


def _cycle(app: App) -> None:
    """What the daemon's cycle does for reports: produce what is due, then drain the outbox."""
    run_due_reports(app.sessions, app.report_setup(), app.clock.now())
    OutboxSender(app.settings.smtp, app.sessions, app.files, app.clock).drain()


def test_one_recap_per_month_reaches_the_ketua_also_after_downtime(rig, office, dumas_config):
    settings = load_settings(dumas_config, environ={})
    upgrade(settings.database_url)
    clock = FrozenClock(wib(2026, 9, 20, 9))
    app = App(settings, clock=clock)
    factory = CaseFactory(DEFAULT_SOP, DayCounter(WorkCalendar()), wib(2027, 1, 10), seed=9)
    with transaction(app.sessions) as session:
        first = 1
        for code, count in (("2026-09", 5), ("2026-10", 8), ("2026-12", 3)):  # none in November
            insert_cases(session, factory, Period.month(code), count, first, first)
            first += count

    down, up, end = wib(2026, 11, 28), wib(2026, 12, 3, 10), wib(2027, 1, 6)
    restarted = False
    while clock.now() < end:
        if clock.now() < down:
            _cycle(app)
        elif clock.now() >= up:
            if not restarted:  # the daemon starts again: a new process, nothing in memory
                app.close()
                app, restarted = App(settings, clock=clock), True
            _cycle(app)
        clock.advance(hours=6)
    _cycle(app)  # and once more at the end: nothing new
    app.close()

    inbox = [
        email.message_from_bytes(raw, policy=email.policy.default)
        for raw in rig.messages(office.ketua)
    ]
    subjects = Counter(str(m["Subject"]) for m in inbox)
    assert subjects == {
        "Rekapitulasi Pengaduan Masyarakat September 2026": 1,
        "Rekapitulasi Pengaduan Masyarakat Oktober 2026": 1,
        "Rekapitulasi Pengaduan Masyarakat November 2026": 1,
        "Rekapitulasi Pengaduan Masyarakat Desember 2026": 1,
        "Laporan Semester Pengaduan Masyarakat Semester II Tahun 2026": 1,
    }
    for message in inbox:
        files = {
            part.get_filename(): part.get_content_type() for part in message.iter_attachments()
        }
        assert sorted(files.values()) == ["application/pdf", XLSX], message["Subject"]
        assert office.sekretaris.address in str(message["Cc"])
        assert message["Auto-Submitted"] == "auto-generated"
    october = next(m for m in inbox if "Oktober" in str(m["Subject"]))
    body = october.get_body(("plain",)).get_content()
    assert "Jumlah pengaduan diterima: 8" in body
    semester = next(m for m in inbox if "Semester" in str(m["Subject"]))
    assert {p.get_filename() for p in semester.iter_attachments()} == {
        "laporan-semester-pengaduan-2026-2.xlsx",
        "laporan-semester-pengaduan-2026-2.pdf",
    }
    november = next(m for m in inbox if "November" in str(m["Subject"]))
    assert "tidak ada pengaduan" in november.get_body(("plain",)).get_content()
    # The Sekretaris got the same five, as cc.
    assert len(rig.messages(office.sekretaris)) == 5
