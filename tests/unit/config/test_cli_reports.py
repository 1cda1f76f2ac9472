"""`dumas recap` and `dumas report` (config.cli.reports), run through their argparse commands."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dumas.config.app import App
from dumas.config.cli import reports as cli_reports
from dumas.config.cli.mailbox import cmd_init
from dumas.config.settings import load_settings
from dumas.notify.reports import run_due_reports
from dumas.workflow.clock import FrozenClock
from dumas.workflow.errors import DumasError
from dumas.workflow.reports.days import DayCounter
from dumas.workflow.reports.periods import Period
from dumas.workflow.reports.sample import CaseFactory, insert_cases
from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.definition import DEFAULT_SOP
from dumas.workflow.store.db import transaction
from dumas.workflow.store.models import OutboxMessage, ReportRun

WIB = ZoneInfo("Asia/Jakarta")
CONFIG = """
[office]
name = "Komisi Pemilihan Umum Kabupaten Kepulauan Mentawai"
short_name = "KPU Kabupaten Kepulauan Mentawai"
city = "Tuapejat"
[database]
url = "sqlite:///var/dumas.sqlite3"
[storage]
root = "var/files"
[imap]
host = "localhost"
port = 143
security = "plain"
username = "pengaduan@kpu.example"
password = "x"
[smtp]
host = "localhost"
port = 25
security = "plain"
from = "pengaduan@kpu.example"
[roles]
desk = ["desk@kpu.example"]
sekretaris = ["sekretaris@kpu.example"]
hukum = ["hukum@kpu.example"]
ketua = ["ketua@kpu.example"]
"""


@pytest.fixture
def app(tmp_path):
    path = tmp_path / "dumas.toml"
    path.write_text(CONFIG, encoding="utf-8")
    app = App(
        load_settings(path, environ={}), clock=FrozenClock(datetime(2026, 11, 20, 9, tzinfo=WIB))
    )
    cmd_init(app, argparse.Namespace())
    factory = CaseFactory(DEFAULT_SOP, DayCounter(WorkCalendar()), app.clock.now(), seed=4)
    with transaction(app.sessions) as session:
        insert_cases(session, factory, Period.month("2026-10"), 12)
        insert_cases(session, factory, Period.month("2026-11"), 3, 100, 100)
    yield app
    app.close()


def dumas(app, capsys, *argv):
    parser = argparse.ArgumentParser()
    cli_reports.add_report_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    capsys.readouterr()
    rc = args.func(app, args)
    return rc, capsys.readouterr().out


def count(app, model) -> int:
    with app.sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar()


def test_recap_of_an_ended_month_is_produced_once_and_written_out(app, capsys, tmp_path):
    rc, out = dumas(app, capsys, "recap", "--month", "2026-10", "--out", str(tmp_path / "out"))
    assert rc == 0 and "recap:2026-10: produced (12 complaint(s)" in out
    book = load_workbook(tmp_path / "out" / "rekap-pengaduan-2026-10.xlsx", read_only=True)
    assert book.sheetnames == ["Rekapitulasi", "Ringkasan", "Agenda Surat Keluar"]
    assert (tmp_path / "out" / "rekap-pengaduan-2026-10.pdf").read_bytes().startswith(b"%PDF")
    rc, out = dumas(app, capsys, "recap", "--month", "2026-10")
    assert "already produced on 2026-11-20 09:00" in out
    assert count(app, ReportRun) == 1 and count(app, OutboxMessage) == 0


def test_send_queues_the_email_and_sends_again_on_request(app, capsys):
    rc, out = dumas(app, capsys, "recap", "--month", "2026-10", "--send", "--json")
    first = json.loads(out)
    assert first["created"] and first["queued_message_id"] and first["cases"] == 12
    rc, out = dumas(app, capsys, "recap", "--month", "2026-10", "--send")
    assert "email queued to ketua@kpu.example (cc sekretaris@kpu.example)" in out
    assert count(app, ReportRun) == 1 and count(app, OutboxMessage) == 2


def test_a_month_without_complaints_says_so(app, capsys):
    rc, out = dumas(app, capsys, "recap", "--month", "2026-08")
    assert rc == 0 and "no complaints were received in Agustus 2026" in out


def test_a_month_not_ended_is_only_previewed(app, capsys, tmp_path):
    rc, out = dumas(app, capsys, "recap", "--month", "2026-11", "--out", str(tmp_path))
    assert rc == 0 and "has not ended yet" in out and "nothing recorded or sent" in out
    assert (tmp_path / "rekap-pengaduan-2026-11.xlsx").exists()
    assert count(app, ReportRun) == 0
    with pytest.raises(DumasError, match="not ended"):
        dumas(app, capsys, "report", "--semester", "2026-2", "--send")


def test_bad_periods_are_refused_with_the_expected_form(app, capsys):
    with pytest.raises(DumasError, match="YYYY-MM"):
        dumas(app, capsys, "recap", "--month", "10-2026")
    with pytest.raises(DumasError, match="YYYY-1"):
        dumas(app, capsys, "report", "--semester", "2026-3")


def test_semester_report(app, capsys, tmp_path):
    rc, out = dumas(app, capsys, "report", "--semester", "2026-1", "--out", str(tmp_path))
    assert "semester:2026-1: produced (0 complaint(s)" in out
    assert "no complaints were received in Semester I Tahun 2026" in out
    assert Path(tmp_path / "laporan-semester-pengaduan-2026-1.pdf").exists()


def test_run_due_reports_uses_the_schedule_from_the_settings(app):
    app.clock.set(datetime(2026, 12, 1, 8, tzinfo=WIB))
    done = run_due_reports(app.sessions, app.report_setup(), app.clock.now())
    assert done == {
        "produced": ["recap:2026-10", "recap:2026-11"],
        "queued": ["recap:2026-10", "recap:2026-11"],
    }
    assert run_due_reports(app.sessions, app.report_setup(), app.clock.now()) == {
        "produced": [],
        "queued": [],
    }
    assert count(app, OutboxMessage) == 2
