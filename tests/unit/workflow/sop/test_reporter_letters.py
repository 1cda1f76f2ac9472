"""Letters to a reporter without email (issue 10 item 4): the desk's task to print and send them,
on the machinery of pengiriman_penerusan, closed by TERKIRIM while the case stays closed."""

from datetime import timedelta
from types import SimpleNamespace

from dumas.workflow.sop.calendar import Duration
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.definition import PELAPOR
from dumas.workflow.sop.effects import (
    CloseTask,
    FileAttachments,
    Notify,
    OpenTask,
    Record,
    RenderDocument,
    Transcript,
    UpdateCase,
)
from dumas.workflow.sop.machine import due_alerts
from dumas.workflow.sop.waits import on_pelapor_timeout
from tests.unit.workflow.sop.test_machine import CAL, NOW, SOP, base_state, only, reply

ERRAND = "pengiriman_surat_pelapor"
WALK_IN = {"pelapor_email": "", "data": {"untuk_pelapor": "Dugaan terbukti."}}


def _closed_walk_in():
    """A walk-in's report approved: the case closes, the surat hasil waits for the desk."""
    return reply(base_state("persetujuan_laporan", **WALK_IN), "sekretaris", "SETUJU")


def test_a_closure_for_a_reporter_without_email_is_a_desk_task_with_the_letter():
    d = _closed_walk_in()
    assert d.state.step == "selesai" and d.state.closed_at == NOW  # the case closes now
    assert not [n for n in d.of_type(Notify) if n.to == PELAPOR]
    assert only(d, RenderDocument).kind == "surat_hasil"  # numbered at the approval
    task = only(d, OpenTask)
    assert (task.step, task.role) == (ERRAND, "desk")
    assert task.due_at == CAL.add(NOW, Duration(2, "working_days"))
    assert task.remind_at == CAL.subtract(task.due_at, Duration(1, "working_days"))
    ask = only(d, Notify, template="tugas")
    assert ask.to == "desk" and ask.documents == ("surat_pelapor",) and ask.reply_token
    assert "Dugaan terbukti." in ask.context["note"]
    pending = [u.data["surat_pelapor"] for u in d.of_type(UpdateCase) if "surat_pelapor" in u.data]
    assert pending == [{"surat": "surat_hasil", "terkirim": False}]
    assert [r for r in d.of_type(Record) if r.kind == "surat_pelapor_menunggu"]
    assert "belum terkirim sampai Desk Pelayanan membalas TERKIRIM" in "\n".join(
        only(d, Transcript).lines
    )


def test_terkirim_records_the_sending_and_closes_the_task_not_the_case_again():
    closed = _closed_walk_in().state
    later = NOW + timedelta(days=1)
    d = reply(closed, "desk", "TERKIRIM diserahkan langsung kepada pelapor", later, ("resi.pdf",))
    assert d.accepted
    assert only(d, CloseTask) == CloseTask(ERRAND, "terkirim", "desk@kpu.example")
    assert only(d, FileAttachments).step == ERRAND  # the receipt's scan, in the case file
    sent = only(d, UpdateCase).data["surat_pelapor"]
    assert sent["terkirim"] is True and sent["keterangan"] == "diserahkan langsung kepada pelapor"
    [record] = [r for r in d.of_type(Record) if r.kind == "surat_pelapor_terkirim"]
    assert "telah dikirim kepada pelapor" in record.summary
    assert (d.state.step, d.state.closed_at) == ("selesai", NOW)  # closure time unchanged
    assert not d.of_type(OpenTask) and not [n for n in d.of_type(Notify) if n.to == PELAPOR]
    # Sent once: a second TERKIRIM finds a closed case with nothing left to send.
    again = reply(d.state, "desk", "TERKIRIM", later)
    assert again.refusal and again.refusal.reason == "case_closed"


def test_only_the_desk_sends_and_nothing_else_reopens_the_closed_case():
    closed = _closed_walk_in().state
    d = reply(closed, "hukum", "TERKIRIM")
    assert d.refusal and d.refusal.reason == "not_your_role"
    d = reply(closed, "desk", "LENGKAP")
    assert d.refusal and d.refusal.reason == "case_closed"


def test_status_shows_the_letter_unsent_until_terkirim():
    closed = _closed_walk_in().state
    due = CAL.add(NOW, Duration(2, "working_days"))
    status = reply(
        base_state("selesai", **{**WALK_IN, "data": closed.data}, task_due_at=due), "desk", "STATUS"
    )
    context = only(status, Notify).context
    assert "BELUM TERKIRIM" in context["surat_pelapor"] and context["due_text"] == ""
    sent = reply(closed, "desk", "TERKIRIM melalui Pos", NOW + timedelta(days=1)).state
    context = only(reply(sent, "desk", "STATUS"), Notify).context
    assert "terkirim" in context["surat_pelapor"] and "melalui Pos" in context["surat_pelapor"]


def test_a_reporter_with_email_gets_the_letter_by_email_and_the_desk_no_task():
    d = reply(base_state("persetujuan_laporan"), "sekretaris", "SETUJU")
    assert only(d, Notify, template="hasil").documents == ("surat_hasil",)
    assert not d.of_type(OpenTask) and "surat_pelapor" not in d.state.data


def test_the_reporter_s_copy_of_a_posted_forwarding_is_a_desk_task_too():
    state = base_state("pengiriman_penerusan", pelapor_email="")
    d = reply(state, "desk", "TERKIRIM melalui Pos Indonesia")
    assert d.state.step == "diteruskan"
    assert only(d, Notify, template="informasi").to == "ketua"  # the tembusan still goes
    assert only(d, OpenTask).step == ERRAND
    pending = [u.data["surat_pelapor"] for u in d.of_type(UpdateCase) if "surat_pelapor" in u.data]
    assert pending == [{"surat": "surat_penerusan", "terkirim": False}]


def test_a_wait_run_out_for_a_walk_in_leaves_the_desk_the_closing_letter_to_send():
    state = base_state(
        "menunggu_pelapor",
        pelapor_email="",
        data={"lengkapi": "lokasi", "menunggu_pelapor_sejak": NOW.isoformat()},
    )
    d = on_pelapor_timeout(state, NOW + timedelta(days=20), SOP, CAL)
    assert d.state.step == "tidak_dilengkapi"
    [task] = d.of_type(OpenTask)
    assert (task.step, task.role) == (ERRAND, "desk")
    [ask] = [n for n in d.of_type(Notify) if n.template != "pengaduan_ditutup"]
    assert (
        ask.template == "tugas" and "tidak menanggapi permintaan kelengkapan" in ask.context["note"]
    )
    assert only(d, RenderDocument).kind == "surat_pemberitahuan"


def test_the_desk_task_is_configurable_and_escalates_like_any_task():
    sop = load_sop({ERRAND: {"duration": "3 hari kerja", "remind_before": "0 hari kerja"}})
    d = reply(base_state("persetujuan_laporan", **WALK_IN), "sekretaris", "SETUJU", sop=sop)
    task = only(d, OpenTask)
    assert task.due_at == CAL.add(NOW, Duration(3, "working_days")) and task.remind_at is None
    row = SimpleNamespace(id=1, pengaduan_id=1, closed_at=None, opened_at=NOW, **vars(task))
    late = CAL.add(task.due_at, Duration(2, "working_days"))
    alerts = due_alerts([row], late, SOP, CAL)
    assert [(a.kind, a.roles) for a in alerts] == [
        ("overdue", ("desk", "sekretaris")),
        ("escalation", ("ketua",)),
    ]


def test_bukan_pengaduan_issues_no_numbered_letter():
    """Not a complaint: the reason by plain email, no letter number, nothing for the desk to
    post (a walk-in is told in person; the transcript says so)."""
    d = reply(base_state(), "desk", "BUKAN PENGADUAN Penawaran jasa")
    assert d.state.step == "bukan_pengaduan" and not d.of_type(RenderDocument)
    told = only(d, Notify, template="bukan_pengaduan")
    assert told.to == PELAPOR and told.documents == ()
    d = reply(base_state(pelapor_email=""), "desk", "BUKAN PENGADUAN Penawaran jasa")
    assert not d.of_type(RenderDocument) and not d.of_type(OpenTask)
    assert not [n for n in d.of_type(Notify) if n.to in (PELAPOR, "desk")]
    assert "tidak dijawab dengan surat resmi bernomor" in "\n".join(only(d, Transcript).lines)


def test_bantuan_on_the_closed_case_lists_terkirim_for_the_desk_only_while_unsent():
    closed = _closed_walk_in().state
    assert "TERKIRIM" in only(reply(closed, "desk", "BANTUAN"), Notify).context["help"]
    sent = reply(closed, "desk", "TERKIRIM", NOW + timedelta(days=1)).state
    assert "TERKIRIM" not in only(reply(sent, "desk", "BANTUAN"), Notify).context["help"]


def test_deadlines_told_to_the_reporter_are_dates_without_a_clock_time():
    d = reply(base_state("verifikasi"), "desk", "LENGKAP")
    told = only(d, Notify, template="diproses")
    assert told.to == PELAPOR and told.context["batas_akhir_text"]
    assert "pukul" not in told.context["batas_akhir_text"]
    status = reply(d.state, "pelapor", "STATUS")
    mine = only(status, Notify, template="status_pelapor")
    assert mine.context["batas_akhir_tanggal"] == told.context["batas_akhir_text"]
