"""The case-level clocks (workflow.sop.waits): the Perpres 76/2013 limit and the reporter's wait.

Pure: the clock is the `now` argument. Concrete WIB instants are asserted where the calendar
leaves no doubt, besides what the calendar computes, so a calendar bug cannot hide behind its own
arithmetic.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.sop.calendar import Duration, WorkCalendar
from dumas.workflow.sop.commands.registry import parse_command
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.definition import PELAPOR
from dumas.workflow.sop.effects import (
    Actor,
    CaseState,
    Notify,
    Record,
    RenderDocument,
    TokenFor,
    UpdateCase,
)
from dumas.workflow.sop.machine import decide
from dumas.workflow.sop.waits import (
    WAIT_SINCE,
    CaseAlert,
    case_alert_effects,
    case_alerts,
    days_left,
    on_pelapor_timeout,
    wait_deadline,
)

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
SOP = load_sop({})


def wib(*args):
    return datetime(*args, tzinfo=WIB)


COMPLETE = wib(2026, 3, 6, 9, 10)  # Friday: the file is complete, the 60 days start
DAY_45 = wib(2026, 4, 21, 0, 0)  # the end of 20 April, 45 calendar days on
DAY_55 = wib(2026, 5, 1, 0, 0)
DAY_60 = wib(2026, 5, 6, 0, 0)  # the end of 5 May: "Selasa, 5 Mei 2026 pukul 24.00 WIB"
ASKED = wib(2026, 11, 2, 9, 15)  # Monday: the desk's LENGKAPI
REMIND = wib(2026, 11, 10, 8, 0)  # after 5 working days (3, 4, 5, 6, 9 November)
CLOSE = wib(2026, 11, 16, 16, 0)  # the 10th working day, closing time


def state(step="telaah", **kw) -> CaseState:
    values = dict(
        step=step,
        number="001/PGD/III/2026",
        subject="Petugas meminta uang",
        pelapor_email="warga@example.id",
        received_at=COMPLETE,
        complete_at=COMPLETE,
    )
    values.update(kw)
    return CaseState(**values)


def waiting(since=ASKED, **kw) -> CaseState:
    data = {WAIT_SINCE: since.astimezone(UTC).isoformat(), "lengkapi": "Mohon lampirkan KTP."}
    return state("menunggu_pelapor", complete_at=None, data=data, **kw)


def alerts(st, now, sent=(), sop=SOP):
    return case_alerts([(7, st)], now, sop, CAL, sent)


def kinds(st, now, sent=(), sop=SOP):
    return [(a.kind, a.roles) for a in alerts(st, now, sent, sop)]


# --- the 60-day limit ------------------------------------------------------------------------


def test_the_marks_fall_on_day_45_55_and_60_in_calendar_days():
    remind, escalate = SOP.case_limit_marks()
    assert CAL.add(COMPLETE, remind) == DAY_45
    assert CAL.add(COMPLETE, escalate) == DAY_55
    assert CAL.add(COMPLETE, SOP.case_limit) == DAY_60


def test_nothing_before_day_45():
    for now in (COMPLETE, wib(2026, 4, 1, 9, 0), DAY_45 - timedelta(seconds=1)):
        assert alerts(state(), now) == []


def test_day_45_reminds_the_role_holder_and_the_sekretaris():
    [alert] = alerts(state(), DAY_45)
    assert (alert.kind, alert.roles, alert.at) == (
        "batas_pengingat",
        ("hukum", "sekretaris"),
        DAY_45,
    )
    assert alert.key == COMPLETE.astimezone(UTC).isoformat()
    # the handler is whoever handles the case; the Sekretaris is told once when she holds it
    assert kinds(state(handler="teknis"), DAY_45) == [("batas_pengingat", ("teknis", "sekretaris"))]
    assert kinds(state("disposisi"), DAY_45) == [("batas_pengingat", ("sekretaris",))]
    assert kinds(state("persetujuan_laporan"), DAY_45) == [("batas_pengingat", ("sekretaris",))]


def test_day_55_and_day_60_go_to_the_ketua():
    assert kinds(state(), DAY_55) == [("batas_eskalasi", ("ketua",))]
    assert kinds(state(), DAY_60) == [("batas_terlampaui", ("ketua",))]
    assert kinds(state(), DAY_60 + timedelta(days=30)) == [("batas_terlampaui", ("ketua",))]


def test_each_goes_once_and_a_passed_one_is_not_sent_late():
    key = COMPLETE.astimezone(UTC).isoformat()
    assert alerts(state(), DAY_45 + timedelta(days=1), {(7, "batas_pengingat", key)}) == []
    # a poller down from day 44 to day 56 sends the day-55 escalation, not the day-45 reminder
    assert kinds(state(), DAY_55 + timedelta(days=1)) == [("batas_eskalasi", ("ketua",))]
    sent = {(7, "batas_eskalasi", key)}
    assert alerts(state(), DAY_55 + timedelta(days=1), sent) == []
    assert kinds(state(), DAY_60, sent) == [("batas_terlampaui", ("ketua",))]
    # another case's record does not count for this one
    assert kinds(state(), DAY_45, {(8, "batas_pengingat", key)})[0][0] == "batas_pengingat"


def test_a_tolak_loop_does_not_restart_the_case_clock():
    # the case went back to tindak_lanjut with a fresh task: the limit still counts from COMPLETE
    looped = state("tindak_lanjut", task_due_at=DAY_60 + timedelta(days=3))
    assert kinds(looped, DAY_55) == [("batas_eskalasi", ("ketua",))]


@pytest.mark.parametrize(
    "st",
    [
        state(complete_at=None),  # the limit never started
        state("selesai", closed_at=DAY_45 - timedelta(days=1)),
        state("diteruskan"),
        state(closed_at=DAY_45),
    ],
)
def test_no_limit_alert_for_incomplete_or_closed_cases(st):
    assert alerts(st, DAY_60 + timedelta(days=1)) == []


def test_a_conflicted_role_is_never_told():
    assert kinds(state(conflict_role="sekretaris"), DAY_45) == [("batas_pengingat", ("hukum",))]
    assert kinds(state(conflict_role="ketua"), DAY_55) == [("batas_eskalasi", ("sekretaris",))]
    assert kinds(state("disposisi", conflict_role="sekretaris"), DAY_45) == [
        ("batas_pengingat", ("ketua",))
    ]


def test_a_limit_in_working_days_warns_in_working_days():
    sop = load_sop({"case_limit": "60 hari kerja"})
    remind, escalate = sop.case_limit_marks()
    assert (remind, escalate) == (Duration(45, "working_days"), Duration(55, "working_days"))
    at = CAL.add(COMPLETE, remind)
    assert at.astimezone(WIB).hour == 16  # closing time of a working day, not midnight
    assert kinds(state(), at - timedelta(minutes=1), sop=sop) == []
    assert kinds(state(), at, sop=sop) == [("batas_pengingat", ("hukum", "sekretaris"))]


def test_days_left_counts_the_limits_kind_of_day():
    assert days_left(DAY_60, wib(2026, 4, 21, 9, 0), SOP, CAL) == 15
    assert days_left(DAY_60, wib(2026, 5, 5, 23, 0), SOP, CAL) == 1  # the last day
    assert days_left(DAY_60, wib(2026, 5, 8, 9, 0), SOP, CAL) == -3
    sop = load_sop({"case_limit": "60 hari kerja"})
    limit = CAL.add(COMPLETE, sop.case_limit)
    assert days_left(limit, CAL.add(COMPLETE, Duration(45, "working_days")), sop, CAL) == 15
    assert days_left(limit, limit - timedelta(hours=1), sop, CAL) == 1
    assert days_left(limit, limit + timedelta(days=1), sop, CAL) == -1


@pytest.mark.parametrize(
    "kind, at, to",
    [
        ("batas_pengingat", DAY_45, ("hukum", "sekretaris")),
        ("batas_eskalasi", DAY_55, ("ketua",)),
        ("batas_terlampaui", DAY_60, ("ketua",)),
    ],
)
def test_limit_alert_effects(kind, at, to):
    st = state(task_due_at=wib(2026, 4, 30, 16, 0))
    [alert] = alerts(st, at)
    d = case_alert_effects(alert, st, at, SOP, CAL)
    assert d.state == st
    emails = d.of_type(Notify)
    assert [n.to for n in emails] == list(to)
    ctx = emails[0].context
    assert emails[0].template == "batas_penyelesaian" and emails[0].reply_token is None
    assert ctx["tahap"] == kind.removeprefix("batas_")
    assert ctx["batas_akhir_text"] == "Selasa, 5 Mei 2026 pukul 24.00 WIB"
    assert ctx["sisa_hari"] == {DAY_45: 15, DAY_55: 5, DAY_60: -1}[at]
    assert ctx["satuan_hari"] == "hari kalender" and ctx["waiting_on"] == "Sub Bagian Hukum"
    [record] = d.of_type(Record)
    assert record.kind == kind and record.detail["key"] == alert.key
    assert record.detail["roles"] == list(to)


# --- the reporter's wait (menunggu_pelapor) ---------------------------------------------------


def test_the_wait_reminds_after_five_working_days_and_closes_after_ten():
    assert wait_deadline(waiting(), SOP, CAL) == CLOSE
    assert alerts(waiting(), REMIND - timedelta(seconds=1)) == []
    [remind] = alerts(waiting(), REMIND)
    assert (remind.kind, remind.roles, remind.at) == ("pengingat_pelapor", (), REMIND)
    assert remind.key == ASKED.astimezone(UTC).isoformat()
    assert kinds(waiting(), CLOSE - timedelta(seconds=1)) == [("pengingat_pelapor", ())]
    assert kinds(waiting(), CLOSE) == [("tidak_dilengkapi", ())]
    sent = {(7, "pengingat_pelapor", remind.key)}
    assert alerts(waiting(), REMIND + timedelta(days=1), sent) == []


def test_a_new_lengkapi_request_starts_a_new_wait():
    old = (7, "pengingat_pelapor", ASKED.astimezone(UTC).isoformat())
    again = waiting(since=wib(2026, 11, 12, 10, 0))
    assert alerts(again, REMIND + timedelta(days=1), {old}) == []  # nothing due in the new wait
    assert [a.kind for a in alerts(again, CLOSE + timedelta(days=7), {old})] == [
        "pengingat_pelapor"
    ]


def test_no_wait_clock_without_a_start_or_outside_the_wait():
    assert alerts(state("menunggu_pelapor", complete_at=None), CLOSE + timedelta(days=30)) == []
    bad = state("menunggu_pelapor", complete_at=None, data={WAIT_SINCE: "kemarin"})
    assert alerts(bad, CLOSE + timedelta(days=30)) == []
    back = waiting().__class__(**{**vars(waiting()), "step": "verifikasi"})
    assert alerts(back, CLOSE + timedelta(days=1)) == []  # the reporter answered


def test_a_wait_without_reminder_only_closes():
    sop = load_sop({"menunggu_pelapor": {"remind_before": "0 hari kerja"}})
    assert kinds(waiting(), REMIND, sop=sop) == []
    assert kinds(waiting(), CLOSE, sop=sop) == [("tidak_dilengkapi", ())]


def test_the_reporter_reminder_carries_a_token_and_a_date_without_a_clock_time():
    [alert] = alerts(waiting(), REMIND)
    d = case_alert_effects(alert, waiting(), REMIND, SOP, CAL)
    [note] = d.of_type(Notify)
    assert (note.template, note.to) == ("pengingat_pelapor", PELAPOR)
    assert note.reply_token == TokenFor("menunggu_pelapor", PELAPOR)
    assert note.context["batas_tanggal"] == "Senin, 16 November 2026"
    assert note.context["apa"] == "Mohon lampirkan KTP."
    assert d.state == waiting() and d.of_type(Record)[0].kind == "pengingat_pelapor"


def test_the_timeout_closes_the_case_tells_the_reporter_and_the_desk():
    d = on_pelapor_timeout(waiting(), CLOSE, SOP, CAL)
    assert d.state.step == "tidak_dilengkapi" and d.state.closed_at == CLOSE
    assert SOP.step(d.state.step).terminal
    [update] = d.of_type(UpdateCase)
    assert update.fields["step"] == "tidak_dilengkapi"
    assert update.fields["status"] == "tidak_dilengkapi"
    assert update.fields["closed_at"] == CLOSE and update.fields["outcome"]
    letter, desk, ketua = d.of_type(Notify)
    assert (ketua.template, ketua.to, ketua.reply_token) == ("pengaduan_ditutup", "ketua", None)
    assert "Tidak dilengkapi pelapor" in ketua.context["message"]
    assert (letter.template, letter.to, letter.reply_token) == ("tidak_dilengkapi", PELAPOR, None)
    assert letter.context["diminta_tanggal"] == "Senin, 2 November 2026"
    assert letter.context["batas_hari"] == "10 hari kerja"
    assert (desk.template, desk.to) == ("informasi", "desk")
    assert "Mohon lampirkan KTP." in desk.context["message"]
    # The closing letter: numbered when applied, by no one's approval but the SOP's clock.
    [render] = d.of_type(RenderDocument)
    assert render.kind == "surat_pemberitahuan" and letter.documents == ("surat_pemberitahuan",)
    assert render.params["jenis"] == "tidak_dilengkapi"
    assert render.params["apa"] == "Mohon lampirkan KTP."
    assert render.params["persetujuan"]["cara"] == "otomatis"
    assert render.params["persetujuan"]["penandatangan"] == "sekretaris"
    assert desk.documents == ()  # the desk is told; the reporter holds the letter
    [alert] = alerts(waiting(), CLOSE)
    full = case_alert_effects(alert, waiting(), CLOSE, SOP, CAL)
    assert full.state == d.state and full.effects[-1].kind == "tidak_dilengkapi"
    assert full.effects[-1].detail["key"] == alert.key
    assert isinstance(alert, CaseAlert)


def test_a_reporter_without_email_is_reminded_and_told_through_the_desk():
    walk_in = waiting(pelapor_email="")
    [alert] = alerts(walk_in, REMIND)
    [note] = case_alert_effects(alert, walk_in, REMIND, SOP, CAL).of_type(Notify)
    assert (note.template, note.to, note.reply_token) == ("informasi", "desk", None)
    assert "telepon" in note.context["message"] and "16 November 2026" in note.context["message"]
    d = on_pelapor_timeout(walk_in, CLOSE, SOP, CAL)
    # no email to the reporter: the desk's task to send the letter (and the Ketua's notice)
    desk, ketua = d.of_type(Notify)
    assert ketua.template == "pengaduan_ditutup"
    assert (desk.template, desk.to, desk.context["step"]) == (
        "tugas",
        "desk",
        "pengiriman_surat_pelapor",
    )
    assert desk.documents == ("surat_pelapor",) and desk.reply_token
    assert "tidak menanggapi permintaan kelengkapan" in desk.context["note"]
    assert [r.kind for r in d.of_type(RenderDocument)] == ["surat_pemberitahuan"]
    assert d.state.step == "tidak_dilengkapi"


def test_the_closing_letter_is_signed_by_the_ketua_for_a_conflicted_sekretaris():
    d = on_pelapor_timeout(waiting(conflict_role="sekretaris"), CLOSE, SOP, CAL)
    [render] = d.of_type(RenderDocument)
    assert render.params["persetujuan"]["penandatangan"] == "ketua"


def test_a_closed_case_hears_the_reporter_through_the_desk():
    closed = on_pelapor_timeout(waiting(), CLOSE, SOP, CAL).state
    actor = Actor.of("warga@example.id", PELAPOR)
    d = decide(closed, None, actor, CLOSE + timedelta(days=1), SOP, CAL)
    assert [n.to for n in d.of_type(Notify)] == ["desk"]


# --- where the clocks start and show ------------------------------------------------------------


def _staff(st, role, text, at):
    actor = Actor.of(f"{role}@kpu.example", role)
    return decide(st, parse_command(text.splitlines()), actor, at, SOP, CAL)


def test_lengkapi_starts_the_wait_and_tells_the_reporter_the_last_day():
    d = _staff(
        state("verifikasi", complete_at=None), "desk", "LENGKAPI Mohon lampirkan KTP.", ASKED
    )
    assert d.state.step == "menunggu_pelapor"
    assert d.state.data[WAIT_SINCE] == ASKED.astimezone(UTC).isoformat()
    ask = [n for n in d.of_type(Notify) if n.template == "permintaan_kelengkapan"][0]
    assert ask.context["batas_tanggal"] == "Senin, 16 November 2026"
    assert wait_deadline(d.state, SOP, CAL) == CLOSE


def test_status_shows_the_days_left_and_the_reporters_last_day():
    d = _staff(state(), "hukum", "STATUS", wib(2026, 4, 21, 9, 0))
    ctx = d.of_type(Notify)[0].context
    assert (ctx["sisa_hari"], ctx["satuan_hari"]) == (15, "hari kalender")
    closed = _staff(state("selesai", closed_at=DAY_45), "hukum", "STATUS", DAY_60)
    assert closed.of_type(Notify)[0].context["sisa_hari"] is None
    d = _staff(waiting(), "desk", "STATUS", REMIND)
    assert (
        d.of_type(Notify)[0].context["batas_pelapor_text"]
        == "Senin, 16 November 2026 pukul 16.00 WIB"
    )


def test_tolak_records_the_restarted_step_clock_and_the_unchanged_limit():
    st = state("persetujuan_laporan")
    d = _staff(st, "sekretaris", "TOLAK Lengkapi bukti foto.", wib(2026, 4, 1, 9, 0))
    [restart] = [r for r in d.of_type(Record) if r.kind == "tahap_diulang"]
    assert restart.detail["to"] == "tindak_lanjut" and restart.detail["command"] == "TOLAK"
    assert restart.detail["batas_akhir"] == DAY_60.astimezone(UTC).isoformat()
    assert "Selasa, 5 Mei 2026 pukul 24.00 WIB" in restart.summary
    forward = _staff(state("tindak_lanjut"), "hukum", "LAPORAN\nHasil terlampir.", DAY_45)
    assert not [r for r in forward.of_type(Record) if r.kind == "tahap_diulang"]
