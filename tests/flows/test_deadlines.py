"""Reminders, overdue notices and escalations with a frozen clock moved step by step.

The expected instants come from the office's `WorkCalendar` and SOP (what the code under test
also uses); where the calendar leaves no doubt — a weekend, the Nyepi/Idul Fitri holidays and
cuti bersama of 18-24 March 2026, Good Friday, an office day off — the concrete WIB times are
asserted as well, so a calendar bug cannot hide behind its own arithmetic. Between the moments
that matter, `dumas poll` runs again and again (each run is a fresh App, as after a restart; one
run is a separate process): every alert goes exactly once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest

from dumas.workflow.sop.commands.grammar import REPLY_MARKER
from dumas.workflow.store.models import Alert, OutgoingLetter
from tests import mailfactory as mf
from tests.flows.conftest import Flow, pdf_text, registered, to_telaah
from tests.replies import WIB
from tests.rig.dkimkey import sign

OFFICE_DAY_OFF = date(2026, 3, 25)  # e.g. the regency's anniversary, entered by the office
STAFF = ("desk", "sekretaris", "hukum", "ketua")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def _quiet_until(flow: Flow, *moments: datetime) -> None:
    """Poll at each moment (the whole cycle); nobody may receive anything."""
    for moment in moments:
        flow.at(moment)
        assert flow.poll()["deadlines"] == {"reminder": 0, "overdue": 0, "escalation": 0}, moment
        flow.nothing_for(*STAFF)


def _alert(flow: Flow, moment: datetime, **expected: int) -> None:
    flow.at(moment)
    counts = flow.poll()["deadlines"]
    assert counts == {"reminder": 0, "overdue": 0, "escalation": 0, **expected}, moment


def _restart_poll(flow: Flow, moment: datetime) -> dict:
    """`dumas poll` in a process of its own, as the daemon after a restart would run it."""
    env = {**os.environ, "DUMAS_NOW": moment.isoformat()}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dumas.config.cli.main",
            "--config",
            str(flow.config),
            "poll",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_calendar_facts_the_expectations_rest_on(flow):
    cal = flow.app.calendar
    assert [cal.is_working_day(date(2026, 3, d)) for d in range(13, 27)] == [
        True,
        False,
        False,  # Fri 13, the weekend
        True,
        True,  # Mon 16, Tue 17
        False,
        False,
        False,
        False,
        False,
        False,
        False,  # 18-24: Nyepi, Idul Fitri, cuti bersama
        True,
        True,
    ]  # Wed 25 (a working day for the national calendar), Thu 26
    assert not cal.is_working_day(date(2026, 4, 3))  # Good Friday


@pytest.mark.dumas_settings(workhours={"extra_days_off": [OFFICE_DAY_OFF.isoformat()]})
def test_desk_task_across_a_weekend_idul_fitri_and_an_office_day_off(flow):
    # Friday 13 March 2026, ten minutes before closing time.
    flow.at(wib(2026, 3, 13, 15, 50))
    note = registered(flow)
    case = flow.case()
    [task] = flow.tasks(case.id)
    cal, sop = flow.app.calendar, flow.app.sop
    step = sop.step("verifikasi")
    assert task.due_at == cal.add(flow.now, step.duration) == wib(2026, 3, 16, 8, 20)
    assert task.remind_at == cal.subtract(task.due_at, step.remind_before) == wib(2026, 3, 16, 8, 5)
    escalation_at = cal.add(task.due_at, sop.escalate_again_after)
    assert escalation_at == wib(2026, 3, 26, 16, 0)  # Tue 17 is day 1; 18-25 are days off
    assert "Senin, 16 Maret 2026 pukul 08.20 WIB" in note.text

    _quiet_until(
        flow,
        wib(2026, 3, 13, 15, 59),
        wib(2026, 3, 14, 10, 0),
        wib(2026, 3, 15, 23, 59),
        wib(2026, 3, 16, 8, 4),
    )

    _alert(flow, task.remind_at, reminder=1)
    reminder = flow.one("desk", "pengingat")
    assert reminder.text.splitlines()[0] == REPLY_MARKER and reminder.token
    assert "Senin, 16 Maret 2026 pukul 08.20 WIB" in reminder.subject
    flow.nothing_for("sekretaris", "hukum", "ketua")
    _quiet_until(flow, wib(2026, 3, 16, 8, 5), wib(2026, 3, 16, 8, 10), wib(2026, 3, 16, 8, 19))

    _alert(flow, task.due_at, overdue=1)
    late = flow.one("desk", "terlambat")
    assert late.token and late.token != reminder.token
    told = flow.one("sekretaris", "eskalasi")
    assert "Desk Pelayanan" in told.subject and case.number in told.text
    flow.nothing_for("desk", "hukum", "ketua")
    _quiet_until(
        flow,
        wib(2026, 3, 16, 8, 21),
        wib(2026, 3, 17, 12, 0),
        wib(2026, 3, 20, 9, 0),
        wib(2026, 3, 23, 9, 0),
        wib(2026, 3, 25, 16, 0),
        wib(2026, 3, 26, 15, 59),
    )
    assert _restart_poll(flow, wib(2026, 3, 26, 15, 59, 30))["deadlines"] == {
        "reminder": 0,
        "overdue": 0,
        "escalation": 0,
    }

    _alert(flow, escalation_at, escalation=1)
    assert case.number in flow.one("ketua", "eskalasi").text
    flow.nothing_for("desk", "sekretaris", "hukum")
    _quiet_until(flow, wib(2026, 3, 26, 16, 1), wib(2026, 3, 27, 9, 0), wib(2026, 4, 30, 9, 0))
    assert _restart_poll(flow, wib(2026, 5, 4, 9, 0))["deadlines"] == {
        "reminder": 0,
        "overdue": 0,
        "escalation": 0,
    }
    flow.nothing_for(*STAFF)
    assert sorted(a.kind for a in flow.rows(Alert, task_id=task.id)) == [
        "escalation",
        "overdue",
        "reminder",
    ]


# The default telaah is 6 working days (7 with the approval of a forwarding); this office gives
# the telaah all 7, which puts its deadline and escalation around Good Friday.
@pytest.mark.dumas_settings(sop={"telaah": {"duration": "7 hari kerja"}})
def test_telaah_over_idul_fitri_and_good_friday(flow):
    # The desk and the Sekretaris act on Tuesday 17 March, the last working day before the break.
    flow.at(wib(2026, 3, 17, 9, 0))
    note = to_telaah(flow)
    case = flow.case()
    [task] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    cal, sop = flow.app.calendar, flow.app.sop
    step = sop.step("telaah")
    assert task.due_at == cal.add(task.opened_at, step.duration) == wib(2026, 4, 2, 16, 0)
    assert task.remind_at == cal.subtract(task.due_at, step.remind_before) == wib(2026, 4, 2, 8, 0)
    escalation_at = cal.add(task.due_at, sop.escalate_again_after)
    assert escalation_at == wib(2026, 4, 7, 16, 0)  # Good Friday and the weekend in between
    assert "Kamis, 2 April 2026 pukul 16.00 WIB" in note.text
    flow.inbox("desk"), flow.inbox("sekretaris")

    _quiet_until(
        flow,
        wib(2026, 3, 20, 10, 0),
        wib(2026, 3, 25, 10, 0),
        wib(2026, 4, 1, 16, 0),
        wib(2026, 4, 2, 7, 59),
    )
    _alert(flow, task.remind_at, reminder=1)
    assert flow.one("hukum", "pengingat").token
    _quiet_until(flow, wib(2026, 4, 2, 12, 0), wib(2026, 4, 2, 15, 59))

    _alert(flow, task.due_at, overdue=1)
    late = flow.one("hukum", "terlambat")
    assert "Sub Bagian Hukum" in flow.one("sekretaris", "eskalasi").subject
    flow.nothing_for("ketua", "desk")
    _quiet_until(flow, wib(2026, 4, 3, 10, 0), wib(2026, 4, 6, 16, 0), wib(2026, 4, 7, 15, 59))

    _alert(flow, escalation_at, escalation=1)
    assert "Sub Bagian Hukum" in flow.one("ketua", "eskalasi").subject
    flow.nothing_for("desk", "sekretaris", "hukum")
    assert _restart_poll(flow, wib(2026, 4, 8, 9, 0))["deadlines"] == {
        "reminder": 0,
        "overdue": 0,
        "escalation": 0,
    }
    _quiet_until(flow, wib(2026, 4, 9, 9, 0))

    # Hukum finally decides, answering the overdue notice; the next task has its own clock.
    flow.at(wib(2026, 4, 9, 10, 0))
    flow.reply(late, "BERKADAR PENGAWASAN\nTelaah terlampir di badan email.", "hukum")
    flow.poll()
    assert flow.case().step == "kertas_kerja"
    [closed] = [t for t in flow.tasks(case.id) if t.id == task.id]
    assert closed.closed_at == flow.now and closed.outcome == "berkadar_pengawasan"
    [following] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    assert following.due_at == wib(2026, 4, 14, 16, 0)  # 3 working days: Fri 10, Mon 13, Tue 14
    flow.inbox("hukum")
    _quiet_until(flow, wib(2026, 4, 13, 16, 0))
    _alert(flow, following.remind_at, reminder=1)
    assert flow.one("hukum", "pengingat")
    assert sorted(a.kind for a in flow.rows(Alert, task_id=task.id)) == [
        "escalation",
        "overdue",
        "reminder",
    ]


def test_a_poller_that_was_down_sends_what_is_due_once_and_no_stale_reminder(flow):
    flow.at(wib(2026, 11, 2, 9, 15))  # Monday
    registered(flow)
    [task] = flow.tasks(flow.case().id)
    flow.at(task.due_at + timedelta(days=10))  # long past the due time and the escalation
    counts = flow.poll()["deadlines"]
    assert counts == {"reminder": 0, "overdue": 1, "escalation": 1}
    assert [m.kind for m in flow.inbox("desk")] == ["terlambat"]
    assert [m.kind for m in flow.inbox("sekretaris")] == ["eskalasi"]
    assert [m.kind for m in flow.inbox("ketua")] == ["eskalasi"]
    _quiet_until(flow, flow.now + timedelta(minutes=1), flow.now + timedelta(days=1))


def test_a_conflicted_sekretaris_is_never_told_of_a_late_task(flow):
    note = registered(flow)
    flow.later(minutes=5)
    flow.reply(note, "KONFLIK SEKRETARIS", "desk")
    flow.poll()
    flow.inbox("desk")
    [task] = [t for t in flow.tasks(flow.case().id) if t.closed_at is None]
    _alert(flow, task.due_at, overdue=1)
    assert [m.kind for m in flow.inbox("desk")] == ["terlambat"]
    assert [m.kind for m in flow.inbox("ketua")] == ["eskalasi"]
    flow.at(task.due_at + timedelta(days=30))
    assert flow.poll()["deadlines"] == {"reminder": 0, "overdue": 0, "escalation": 0}
    flow.nothing_for(*STAFF)


ZERO = {"reminder": 0, "overdue": 0, "escalation": 0}


def test_the_60_day_limit_reminds_on_day_45_and_reaches_the_ketua_on_day_55_and_60(flow):
    # Monday 2 November 2026: the desk says LENGKAP at 09.05, the 60 calendar days start.
    flow.at(wib(2026, 11, 2, 9, 0))
    note = to_telaah(flow)
    case = flow.case()
    cal, sop = flow.app.calendar, flow.app.sop
    remind, escalate = sop.case_limit_marks()
    day_45, day_55 = cal.add(case.complete_at, remind), cal.add(case.complete_at, escalate)
    day_60 = cal.add(case.complete_at, sop.case_limit)
    assert (day_45, day_55, day_60) == (
        wib(2026, 12, 18, 0, 0),  # the end of 17 December, 45 days on
        wib(2026, 12, 28, 0, 0),
        wib(2027, 1, 2, 0, 0),  # the end of 1 January 2027
    )
    # Hukum's telaah task runs late long before: its own alerts, then only the case's clock.
    _alert(flow, wib(2026, 12, 1, 9, 0), overdue=1, escalation=1)
    for who in STAFF:
        flow.inbox(who)
    _quiet_until(flow, wib(2026, 12, 10, 9, 0), day_45 - timedelta(minutes=1))

    _alert(flow, day_45, batas_pengingat=1)
    for who in ("hukum", "sekretaris"):
        told = flow.one(who, "batas_penyelesaian")
        assert "Pengingat batas akhir penyelesaian" in told.subject and not told.token
        assert "tinggal 15 hari kalender lagi" in told.text
        assert "Jumat, 1 Januari 2027 pukul 24.00 WIB" in told.text
    flow.nothing_for("desk", "ketua")
    _quiet_until(flow, wib(2026, 12, 20, 9, 0))
    assert _restart_poll(flow, wib(2026, 12, 21, 9, 0))["deadlines"] == ZERO

    # STATUS shows what remains: 1 January is day 60, 22 December counts as one.
    flow.at(wib(2026, 12, 22, 9, 0))
    flow.reply(note, "STATUS", "hukum")
    assert flow.poll()["deadlines"] == ZERO
    status = flow.one("hukum", "status")
    assert "Sisa waktu menuju batas akhir: 11 hari kalender" in status.text

    _quiet_until(flow, day_55 - timedelta(minutes=1))
    _alert(flow, day_55, batas_eskalasi=1)
    assert "sudah dekat" in flow.one("ketua", "batas_penyelesaian").subject
    flow.nothing_for("desk", "sekretaris", "hukum")
    _quiet_until(flow, day_60 - timedelta(minutes=1))
    _alert(flow, day_60, batas_terlampaui=1)
    late = flow.one("ketua", "batas_penyelesaian")
    assert "telah terlampaui" in late.subject and case.number in late.text
    flow.nothing_for("desk", "sekretaris", "hukum")
    _quiet_until(flow, wib(2027, 1, 4, 9, 0), wib(2027, 2, 1, 9, 0))
    assert _restart_poll(flow, wib(2027, 2, 2, 9, 0))["deadlines"] == ZERO
    for kind in ("batas_pengingat", "batas_eskalasi", "batas_terlampaui"):
        [event] = flow.events(case.id, kind=kind)
        assert event.detail["key"] == case.complete_at.isoformat()


def test_a_reporter_who_never_completes_is_reminded_then_the_case_closes(flow, tmp_path):
    reporter = "warga.peduli@yahoo.co.id"
    flow.at(wib(2026, 11, 2, 9, 0))  # Monday
    desk_note = registered(flow, sender=f"Warga Peduli <{reporter}>", body=mf.KOMPLAIN_KURANG)
    flow.inbox(reporter)  # the acknowledgement
    flow.later(minutes=15)
    flow.reply(desk_note, "LENGKAPI Mohon lampirkan foto kejadian dan nomor TPS.", "desk")
    flow.poll()
    case = flow.case()
    assert case.step == "menunggu_pelapor"
    ask = flow.one(reporter, "permintaan_kelengkapan")
    assert "paling lambat Senin, 16 November 2026" in ask.text
    flow.inbox("desk")
    cal, step = flow.app.calendar, flow.app.sop.step("menunggu_pelapor")
    close_at = cal.add(flow.now, step.duration)
    remind_at = cal.subtract(close_at, step.remind_before)
    # 5 working days done (3-6 and 9 November); the 10th ends on Monday 16 at closing time
    assert (remind_at, close_at) == (wib(2026, 11, 10, 8, 0), wib(2026, 11, 16, 16, 0))

    _quiet_until(flow, wib(2026, 11, 6, 16, 0), remind_at - timedelta(minutes=1))
    assert flow.inbox(reporter) == []
    _alert(flow, remind_at, pengingat_pelapor=1)
    reminder = flow.one(reporter, "pengingat_pelapor")
    assert reminder.text.splitlines()[0] == REPLY_MARKER and reminder.token
    assert "paling lambat Senin, 16 November 2026" in reminder.text
    assert "pukul" not in reminder.text  # a date for a citizen, no clock time
    flow.nothing_for(*STAFF)
    assert _restart_poll(flow, wib(2026, 11, 12, 9, 0))["deadlines"] == ZERO
    _quiet_until(flow, close_at - timedelta(minutes=1))
    assert flow.inbox(reporter) == []

    _alert(flow, close_at, tidak_dilengkapi=1)
    case = flow.case()
    assert (case.step, case.status) == ("tidak_dilengkapi", "tidak_dilengkapi")
    assert case.closed_at == close_at
    closing = flow.one(reporter, "tidak_dilengkapi")
    assert "ditutup" in closing.subject and "Senin, 2 November 2026" in closing.text
    assert "tidak dilengkapi" in closing.text
    # The closing letter: numbered from the letters' sequence at closure, decided by the SOP's
    # clock (no one approved it), under the Sekretaris' block; `dumas verify` knows it.
    [(name, data)] = closing.attachments.items()
    assert name.startswith("surat-pemberitahuan")
    letter = " ".join(pdf_text(data).split())
    assert "001/PP.04-SD/1309/2026" in letter and case.number in letter
    assert "Pemberitahuan Penutupan Pengaduan karena Tidak Dilengkapi" in letter
    assert "Mohon lampirkan foto kejadian dan nomor TPS." in letter
    assert "Ditetapkan otomatis oleh sistem pada Senin, 16 November 2026" in letter
    assert "Disetujui" not in letter
    [row] = flow.rows(OutgoingLetter)
    assert (row.kind, row.tujuan, row.approved_by) == ("surat_pemberitahuan", "Pelapor", "sistem")
    assert row.kode in letter
    sent = tmp_path / "surat.pdf"
    sent.write_bytes(data)
    rc, out = flow._dumas("verify", str(sent))
    assert rc == 0 and "VERIFIED" in out and "001/PP.04-SD/1309/2026" in out, out
    assert "otomatis oleh sistem" in out and "Disetujui" not in out
    told = flow.one("desk", "informasi")
    assert case.number in told.text and "Tidak dilengkapi pelapor" in told.text
    assert not told.attachments  # the reporter has the letter; the desk is only told
    assert "Tidak dilengkapi pelapor" in flow.one("ketua", "pengaduan_ditutup").text
    flow.nothing_for("sekretaris", "hukum", "ketua")
    _quiet_until(flow, wib(2026, 11, 17, 9, 0), wib(2026, 12, 30, 9, 0))
    assert flow.inbox(reporter) == []
    assert [
        e.kind for e in flow.events(case.id) if e.kind in ("pengingat_pelapor", "tidak_dilengkapi")
    ] == [
        "pengingat_pelapor",
        "tidak_dilengkapi",
    ]


WALK_IN = """DAFTAR
Nama: Yohanes Sakerebau
Telepon: 0813 7000 1111
Alamat: Dusun Puro, Desa Muntei
Terlapor: Ketua KPPS TPS 02
Uraian: Ketua KPPS mengarahkan pemilih lanjut usia untuk memilih calon tertentu.
"""


def test_a_walk_in_reporter_who_never_completes_gets_the_closing_letter_through_the_desk(
    flow, tmp_path
):
    """No email to the reporter: the closure's numbered letter goes to the desk to print and send
    (issue 10 items 1 and 4); nothing leaves the office by email."""
    flow.at(wib(2026, 11, 2, 9, 0))  # Monday
    raw = mf.complaint(
        sender=flow.address("desk"),
        to=flow.office.pengaduan.address,
        subject="Pengaduan langsung",
        body=WALK_IN,
        date=flow.now,
    )
    flow.rig.append(flow.office.pengaduan, sign(raw), when=flow.now)
    flow.poll()
    case = flow.case()
    assert case.channel == "langsung" and case.pelapor_email == ""
    flow.one("desk", "transkrip")
    task = flow.one("desk", "tugas")
    flow.later(minutes=10)
    flow.reply(task, "LENGKAPI Mohon sebutkan lokasi kejadian (TPS, desa, kecamatan).", "desk")
    flow.poll()
    assert flow.case().step == "menunggu_pelapor"
    flow.inbox("desk")
    step = flow.app.sop.step("menunggu_pelapor")
    close_at = flow.app.calendar.add(flow.now, step.duration)

    flow.at(close_at)
    flow.poll()
    case = flow.case()
    assert (case.step, case.status) == ("tidak_dilengkapi", "tidak_dilengkapi")
    # The desk's task to print and send the letter (issue 10 item 4), with its own deadline.
    told = flow.one("desk", "tugas")
    assert "Pengiriman surat kepada pelapor" in told.subject and told.token
    assert "tidak menanggapi permintaan kelengkapan" in " ".join(told.text.split())
    [(name, data)] = told.attachments.items()
    assert name.startswith("surat-pemberitahuan")
    letter = " ".join(pdf_text(data).split())
    assert "Bapak/Ibu Yohanes Sakerebau" in letter and case.number in letter
    assert "/PP.04-SD/1309/2026" in letter and "Ditetapkan otomatis oleh sistem" in letter
    sent = tmp_path / "surat.pdf"
    sent.write_bytes(data)
    rc, out = flow._dumas("verify", str(sent))
    assert rc == 0 and "VERIFIED" in out, out
    # Not sent by its deadline: late and escalated like any task (the desk, then the Sekretaris).
    [errand] = [t for t in flow.tasks(case.id) if t.closed_at is None]
    assert errand.step == "pengiriman_surat_pelapor"
    flow.at(errand.due_at)
    flow.poll()
    assert "Pengiriman surat kepada pelapor" in flow.one("desk", "terlambat").text
    assert flow.one("sekretaris", "eskalasi")
    # Nothing left the office by email: every message of the case went to the office's staff.
    staff = {flow.address(r).lower() for r in STAFF}
    assert all({a.lower() for a in m.to_addrs} <= staff for m in flow.outbox()), [
        m.to_addrs for m in flow.outbox()
    ]
