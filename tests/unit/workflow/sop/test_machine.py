"""The state machine (workflow.sop.machine): every step x command x role, the SOP's paths, deadlines."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.registry import COMMANDS, parse_command
from dumas.workflow.sop.commands.telaah import STANDARD_OUTCOME
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.definition import PELAPOR
from dumas.workflow.sop.effects import (
    Actor,
    CaseState,
    CloseTask,
    Delegate,
    FileAttachments,
    Notify,
    OpenTask,
    RecheckCompleteness,
    Record,
    RenderDocument,
    TokenFor,
    Transcript,
    UpdateCase,
)
from dumas.workflow.sop.machine import alert_notices, decide, due_alerts, on_registered

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
SOP = load_sop({"agencies": {"dkpp": {"email": "dkpp@example.go.id"}}}, ["teknis"])
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=WIB)  # Friday
ROLES = ("desk", "sekretaris", "hukum", "ketua", "teknis", PELAPOR)

# The flow of issue 4, written out by hand: step -> (deciding role, {command: next step}).
DESK = {
    "LENGKAP": "disposisi",
    "LENGKAPI": "menunggu_pelapor",
    "BUKAN PENGADUAN": "bukan_pengaduan",
    "SPAM": "bukan_pengaduan",
}
FLOW = {
    "verifikasi": ("desk", {**DESK, "KONFLIK": "verifikasi"}),
    "menunggu_pelapor": ("desk", {**DESK, "KONFLIK": "menunggu_pelapor"}),
    "disposisi": ("sekretaris", {"DISPOSISI": "telaah"}),
    "telaah": (
        "hukum",
        {
            "BERKADAR PENGAWASAN": "kertas_kerja",
            "TERUSKAN": "persetujuan_penerusan",
            "SUB BAGIAN": "tindak_lanjut",
            "TIDAK DAPAT DITINDAKLANJUTI": "persetujuan_tidak_ditindaklanjuti",
        },
    ),
    "persetujuan_penerusan": ("sekretaris", {"SETUJU": "diteruskan", "TOLAK": "telaah"}),
    "pengiriman_penerusan": ("desk", {"TERKIRIM": "diteruskan"}),
    "persetujuan_tidak_ditindaklanjuti": (
        "sekretaris",
        {"SETUJU": "tidak_ditindaklanjuti", "TOLAK": "telaah"},
    ),
    "kertas_kerja": (
        "hukum",
        {
            "KERTAS KERJA": "tindak_lanjut",
            "TERUSKAN": "persetujuan_penerusan",
            "TIDAK DAPAT DITINDAKLANJUTI": "persetujuan_tidak_ditindaklanjuti",
        },
    ),
    "tindak_lanjut": (
        "hukum",
        {"INVESTIGASI": "persetujuan_investigasi", "LAPORAN": "persetujuan_laporan"},
    ),
    "persetujuan_investigasi": ("sekretaris", {"SETUJU": "investigasi", "TOLAK": "tindak_lanjut"}),
    "investigasi": ("hukum", {"LAPORAN": "persetujuan_laporan"}),
    "persetujuan_laporan": ("sekretaris", {"SETUJU": "selesai", "TOLAK": "tindak_lanjut"}),
    "selesai": (None, {}),
    "diteruskan": (None, {}),
    "tidak_ditindaklanjuti": (None, {}),
    "bukan_pengaduan": (None, {}),
    "tidak_dilengkapi": (None, {}),
}
TASK_ROLE = {
    "verifikasi": "desk",
    "disposisi": "sekretaris",
    "telaah": "hukum",
    "persetujuan_penerusan": "sekretaris",
    "pengiriman_penerusan": "desk",
    "persetujuan_tidak_ditindaklanjuti": "sekretaris",
    "kertas_kerja": "hukum",
    "tindak_lanjut": "hukum",
    "persetujuan_investigasi": "sekretaris",
    "investigasi": "hukum",
    "persetujuan_laporan": "sekretaris",
}
GOOD_ARGS = {
    "LENGKAP": "",
    "LENGKAPI": "fotokopi KTP",
    "BUKAN PENGADUAN": "iklan",
    "SPAM": "",
    "KONFLIK": "SEKRETARIS",
    "DISPOSISI": "HUKUM mohon ditelaah",
    "BERKADAR PENGAWASAN": "",
    "TERUSKAN": "BAWASLU",
    "SUB BAGIAN": "TEKNIS",
    "TIDAK DAPAT DITINDAKLANJUTI": "bukan wewenang KPU",
    "KERTAS KERJA": "",
    "INVESTIGASI": "Andi (andi@kpu.example); Rina",
    "LAPORAN": "tidak terbukti",
    "SETUJU": "",
    "TOLAK": "mohon diperbaiki",
    "TERKIRIM": "melalui pos",
    "STATUS": "",
    "BANTUAN": "",
    "DELEGASI": "wakil@kpu.example sampai 31-03-2026",
    "IDENTITAS BOLEH DIBUKA": "",
    "IDENTITAS DIRAHASIAKAN": "",
}
CONSENT = ("IDENTITAS BOLEH DIBUKA", "IDENTITAS DIRAHASIAKAN")  # the reporter's (test_consent.py)


def base_state(step="verifikasi", **kw) -> CaseState:
    values = dict(
        step=step,
        number="001/PGD/III/2026",
        subject="Petugas meminta uang",
        pelapor_email="warga@example.id",
        tim="Andi (andi@kpu.example); Rina",
        received_at=NOW,
        complete_at=NOW if step not in ("verifikasi", "menunggu_pelapor") else None,
    )
    if step in ("persetujuan_penerusan", "pengiriman_penerusan"):
        values["data"] = {"usul_penerusan": {"instansi": "dkpp", "alasan": "kode etik"}}
    if step == "persetujuan_tidak_ditindaklanjuti":
        values["data"] = {"usul_tidak_ditindaklanjuti": {"alasan": "Di luar kewenangan."}}
    values.update(kw)
    return CaseState(**values)


def reply(state, role, text, at=NOW, attachments=(), sop=SOP, delegated=()):
    actor = Actor.of(f"{role}@kpu.example", role, delegated=delegated)
    return decide(state, parse_command(text.splitlines()), actor, at, sop, CAL, attachments)


def only(decision, kind, **match):
    found = [e for e in decision.of_type(kind) if all(getattr(e, k) == v for k, v in match.items())]
    assert len(found) == 1, (kind.__name__, match, decision.effects)
    return found[0]


def all_utc(decision) -> bool:
    for effect in decision.effects:
        for value in vars(effect).values():
            if isinstance(value, datetime) and value.tzinfo is not UTC:
                return False
    return True


# --- every step x every command x every role ----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("command", list(GOOD_ARGS))
@pytest.mark.parametrize("step", list(FLOW))
def test_cross_product(step, command, role):
    state = base_state(step)
    d = reply(state, role, f"{command} {GOOD_ARGS[command]}", attachments=("berkas.pdf",))
    decider, moves = FLOW[step]
    if role == PELAPOR:
        return check_pelapor(state, command, d)
    if command in ("STATUS", "BANTUAN"):
        assert d.accepted and d.state == state
        note = only(d, Notify, to=f"{role}@kpu.example")
        assert note.template == command.lower() and len(d.effects) == 1
        return None
    if command in CONSENT:
        assert d.refusal.reason == "not_your_role" and d.effects == () and d.state == state
        return None
    if command == "DELEGASI":
        if role in ("sekretaris", "ketua"):
            assert d.accepted and d.state == state and only(d, Delegate).role == role
        else:
            assert d.refusal.reason == "not_your_role"
        return None
    if decider is None:
        assert d.refusal.reason == "case_closed"
    elif command not in moves:
        assert d.refusal.reason == "wrong_step"
    elif role != decider:
        assert d.refusal.reason == "not_your_role"
        assert d.effects == () and d.state == state
    else:
        check_accepted(state, command, role, d, moves[command])


def check_pelapor(state, command, d):
    assert d.accepted
    if command in ("STATUS", "BANTUAN"):
        assert d.state == state
        note = only(d, Notify, to="pelapor@kpu.example")
        assert note.template == ("status_pelapor" if command == "STATUS" else "bantuan")
    elif command in CONSENT:
        assert d.state.consent_to_share == (command == CONSENT[0]) != d.state.confidential
        assert only(d, Notify, template="persetujuan_identitas").to == PELAPOR
    elif state.step == "menunggu_pelapor":
        assert d.state.step == "verifikasi"
        assert only(d, OpenTask).role == "desk"
        assert d.of_type(RecheckCompleteness)
    else:
        assert d.state == state and not d.of_type(OpenTask) and not d.of_type(UpdateCase)
        assert only(d, Notify, template="informasi_pelapor").to == (FLOW[state.step][0] or "desk")


def check_accepted(state, command, role, d, target):
    assert d.accepted, d.refusal
    assert d.state.step == target
    moved = target != state.step
    update = d.of_type(UpdateCase)[0]
    if moved:
        assert update.fields["step"] == target
        assert update.fields["status"] == SOP.step(target).status
    had_task = state.step in TASK_ROLE
    assert len(d.of_type(CloseTask)) == (1 if moved and had_task else 0)
    if target in TASK_ROLE and moved:
        expected_role = "teknis" if command == "SUB BAGIAN" else TASK_ROLE[target]
        task = only(d, OpenTask)
        assert (task.step, task.role) == (target, expected_role)
        assert task.due_at > NOW and (task.remind_at is None or NOW < task.remind_at < task.due_at)
        sent = only(d, Notify, template="tugas", to=expected_role)
        assert sent.reply_token == TokenFor(target, expected_role)
        assert d.state.task_due_at == task.due_at
    else:
        assert not d.of_type(OpenTask)
    if SOP.step(target).terminal:
        assert d.state.closed_at == NOW and update.fields["closed_at"] == NOW
    assert only(d, FileAttachments).step == state.step
    assert [r for r in d.of_type(Record) if r.kind == "keputusan"]
    # A move back (TOLAK) restarts that step's clock: recorded, never silent (issue 10 item 3).
    goes_back = list(SOP.steps).index(target) < list(SOP.steps).index(state.step)
    assert [r.kind for r in d.of_type(Record) if r.kind != "keputusan"] == (
        ["tahap_diulang"] if goes_back and target in TASK_ROLE else []
    )
    transcript = only(d, Transcript)
    assert transcript.to == f"{role}@kpu.example"
    assert transcript.lines[0].startswith(f"Dilaksanakan: {command}")
    assert all_utc(d)


# --- argument refusals through decide ------------------------------------------------------------


@pytest.mark.parametrize(
    "step, role, text, attachments, reason",
    [
        ("verifikasi", "desk", "LENGKAPI", (), "missing_argument"),
        ("verifikasi", "desk", "BUKAN PENGADUAN", (), "missing_argument"),
        ("verifikasi", "desk", "KONFLIK DESK", (), "invalid_argument"),
        ("disposisi", "sekretaris", "DISPOSISI GUDANG", (), "invalid_argument"),
        ("telaah", "hukum", "BERKADAR PENGAWASAN", (), "missing_report"),
        ("telaah", "hukum", "TERUSKAN", ("lht.pdf",), "missing_argument"),
        ("telaah", "hukum", "TERUSKAN KEJAKSAAN", ("lht.pdf",), "invalid_argument"),
        ("telaah", "hukum", "TIDAK DAPAT DITINDAKLANJUTI", (), "missing_argument"),
        ("kertas_kerja", "hukum", "KERTAS KERJA\nterlampir", (), "missing_attachment"),
        ("tindak_lanjut", "hukum", "INVESTIGASI", (), "missing_argument"),
        ("tindak_lanjut", "hukum", "LAPORAN", (), "missing_report"),
        ("persetujuan_laporan", "sekretaris", "TOLAK", (), "missing_argument"),
        ("telaah", "sekretaris", "DELEGASI besok", (), "missing_argument"),
    ],
)
def test_argument_refusals_change_nothing(step, role, text, attachments, reason):
    state = base_state(step)
    d = reply(state, role, text, attachments=attachments)
    assert d.refusal.reason == reason and d.refusal.message
    assert d.state == state and d.effects == ()


def test_lengkapi_without_email_asks_the_desk_to_reach_the_reporter():
    d = reply(base_state(pelapor_email=""), "desk", "LENGKAPI fotokopi KTP")
    assert d.refusal is None and d.state.step == "menunggu_pelapor"
    [letter] = [e for e in d.effects if isinstance(e, RenderDocument)]
    assert letter.kind == "surat_permintaan_kelengkapan" and letter.params["apa"] == "fotokopi KTP"
    [ask] = [e for e in d.effects if isinstance(e, Notify)]
    assert (ask.template, ask.to, ask.documents) == (
        "hubungi_pelapor",
        "desk",
        ("surat_permintaan_kelengkapan",),
    )
    assert ask.reply_token.step == "menunggu_pelapor" and ask.reply_token.role == "desk"
    assert "menunggu_pelapor_sejak" in d.state.data  # the same wait clock as by email


def test_no_command_is_refused_with_the_valid_commands():
    d = reply(base_state("disposisi"), "sekretaris", "Terima kasih, sudah saya baca.")
    assert d.refusal.reason == "unknown_command"
    assert "DISPOSISI" in d.refusal.message and "LENGKAP" not in d.refusal.message


def test_wrong_step_and_closed_case_explain_themselves():
    d = reply(base_state("telaah"), "hukum", "LENGKAP")
    assert d.refusal.reason == "wrong_step" and "Penelaahan pengaduan" in d.refusal.message
    assert "BERKADAR PENGAWASAN" in d.refusal.message
    d = reply(base_state("selesai"), "sekretaris", "SETUJU")
    assert d.refusal.reason == "case_closed" and "STATUS" in d.refusal.message


def test_decide_is_pure_and_deterministic():
    state = base_state("disposisi")
    first = reply(state, "sekretaris", "DISPOSISI HUKUM segera")
    second = reply(state, "sekretaris", "DISPOSISI HUKUM segera")
    assert first == second
    assert state == base_state("disposisi")


def test_state_from_a_pengaduan_row():
    from dumas.workflow.store.models import Pengaduan, Task

    row = Pengaduan(
        step="telaah",
        number="7/PGD/III/2026",
        subject="s",
        klasifikasi="etik",
        conflict_role="sekretaris",
        disposisi_to="hukum",
        tim="",
        forwarded_to="",
        pelapor_email="w@x.id",
        consent_to_share=True,
        confidential=False,
        missing=["bukti"],
        received_at=NOW,
        complete_at=NOW,
        closed_at=None,
        data={"handler": "teknis", "laporan_ringkasan": "r"},
    )
    open_task = Task(step="telaah", role="teknis", due_at=wib(2026, 3, 17, 16, 0))
    state = CaseState.from_case(row, open_task)
    assert (state.step, state.handler, state.conflict_role, state.missing) == (
        "telaah",
        "teknis",
        "sekretaris",
        ("bukti",),
    )
    assert state.consent_to_share and state.task_due_at == open_task.due_at
    assert state.data["laporan_ringkasan"] == "r"
    fresh = CaseState.from_case(Pengaduan(step="verifikasi", received_at=NOW, disposisi_to=""))
    assert fresh.handler == "hukum" and fresh.missing == () and fresh.task_due_at is None


def test_naive_time_is_refused():
    with pytest.raises(ValueError):
        decide(
            base_state(),
            parse_command(["LENGKAP"]),
            Actor.of("d@x", "desk"),
            datetime(2026, 3, 6, 9),
            SOP,
            CAL,
        )


# --- the paths of the SOP ------------------------------------------------------------------------


class Case:
    """A case driven through the machine like the applier would, one reply at a time."""

    def __init__(self, at, **state):
        self.state = base_state(**state)
        registered = on_registered(self.state, at, SOP, CAL)
        self.state = registered.state
        self.registered = registered

    def do(self, role, text, at, attachments=(), **kw):
        d = reply(self.state, role, text, at=at, attachments=attachments, **kw)
        assert d.accepted, d.refusal
        self.state = d.state
        return d

    def refused(self, role, text, at, reason, **kw):
        d = reply(self.state, role, text, at=at, **kw)
        assert d.refusal is not None and d.refusal.reason == reason, d
        return d


def wib(*args):
    return datetime(*args, tzinfo=WIB)


def local(at):
    return at.astimezone(WIB)


def test_registration_on_a_sunday_opens_the_desk_task_for_monday():
    d = on_registered(base_state(missing=("bukti",)), wib(2026, 3, 8, 21, 0), SOP, CAL)
    task = only(d, OpenTask)
    assert (task.step, task.role) == ("verifikasi", "desk")
    assert local(task.due_at) == wib(2026, 3, 9, 8, 30)
    assert local(task.remind_at) == wib(2026, 3, 9, 8, 15)
    sent = only(d, Notify, template="tugas")
    assert sent.reply_token == TokenFor("verifikasi", "desk")
    assert sent.context["missing"] == ["bukti"]
    assert "cetakan" in sent.documents and "lampiran:pengaduan" in sent.documents
    assert only(d, UpdateCase).fields == {"step": "verifikasi", "status": "verifikasi"}


def test_happy_path_with_investigation_across_idul_fitri():
    case = Case(wib(2026, 3, 6, 9, 0))
    d = case.do("desk", "LENGKAP", wib(2026, 3, 6, 9, 10))
    assert case.state.complete_at == wib(2026, 3, 6, 9, 10)
    assert d.of_type(UpdateCase)[0].data["batas_akhir"] == "2026-05-05T17:00:00+00:00"
    assert "Selasa, 5 Mei 2026 pukul 24.00 WIB" in " ".join(only(d, Transcript).lines)
    assert only(d, Notify, template="diproses").to == PELAPOR
    assert local(only(d, OpenTask).due_at) == wib(2026, 3, 10, 16, 0)

    d = case.do("sekretaris", "DISPOSISI HUKUM\nMohon ditelaah segera.", wib(2026, 3, 9, 10, 0))
    sheet = only(d, RenderDocument)
    assert sheet.kind == "lembar_disposisi" and sheet.params["filled"] is True
    assert d.of_type(UpdateCase)[0].fields["disposisi_note"] == "Mohon ditelaah segera."
    telaah = only(d, OpenTask)
    # 6 working days (step 4 is 7 with the approval of a forwarding), before Idul Fitri
    assert local(telaah.due_at) == wib(2026, 3, 17, 16, 0)
    assert local(telaah.remind_at) == wib(2026, 3, 17, 8, 0)
    assert only(d, Notify, template="tugas").context["note"] == "Mohon ditelaah segera."
    assert "lembar_disposisi" in only(d, Notify, template="tugas").documents

    d = case.do(
        "hukum",
        "Berkadar pengawasan\n\nRingkasan telaah: ada indikasi.",
        wib(2026, 3, 16, 11, 0),
        attachments=("LHT.pdf",),
    )
    assert d.of_type(UpdateCase)[0].fields["telaah_result"] == "berkadar_pengawasan"
    assert only(d, FileAttachments).step == "telaah"
    assert only(d, Notify, template="tugas").documents == ("lampiran:telaah",)
    case.refused("hukum", "KERTAS KERJA", wib(2026, 3, 17, 9, 0), "missing_attachment")
    case.do("hukum", "KERTAS KERJA", wib(2026, 3, 17, 9, 0), attachments=("KK.xlsx",))
    d = case.do("hukum", "INVESTIGASI Andi (andi@kpu.example); Rina", wib(2026, 3, 25, 9, 0))
    assert case.state.tim == "Andi (andi@kpu.example); Rina"
    assert only(d, Notify, template="tugas").to == "sekretaris"

    d = case.do("sekretaris", "SETUJU", wib(2026, 3, 25, 10, 0))
    letter = only(d, RenderDocument)
    assert letter.kind == "surat_tugas" and letter.params["hari_kerja"] == 4
    assert only(d, Notify, template="surat_tugas").to == "andi@kpu.example"
    assert "surat_tugas" in only(d, Notify, template="tugas", to="hukum").documents
    # The team member with an address gets the task too, with a token of their own.
    member = only(d, Notify, template="tugas", to="andi@kpu.example")
    assert member.reply_token == TokenFor("investigasi", "hukum")
    assert member.context["anggota_tim"] and "surat_tugas" in member.documents
    assert case.state.step == "investigasi"

    case.do(
        "hukum",
        "LAPORAN Dugaan terbukti; petugas telah ditegur.\n"
        "Untuk pelapor: Dugaan terbukti dan petugas telah diberi teguran.",
        wib(2026, 4, 1, 9, 0),
        attachments=("LHP.pdf",),
    )
    d = case.do("sekretaris", "SETUJU", wib(2026, 4, 2, 9, 0))
    assert case.state.step == "selesai" and case.state.closed_at == wib(2026, 4, 2, 9, 0)
    outcome = only(d, Notify, template="hasil")
    assert outcome.to == PELAPOR and outcome.documents == ("surat_hasil",)
    assert outcome.context["ringkasan"] == "Dugaan terbukti dan petugas telah diberi teguran."
    assert only(d, CloseTask).step == "persetujuan_laporan"
    assert not d.of_type(OpenTask)
    assert only(d, UpdateCase).fields["status"] == "selesai"


def test_tolak_on_an_investigation_report_returns_it_to_the_investigation():
    case = Case(NOW, step="verifikasi")
    case.do("desk", "LENGKAP", NOW)
    case.do("sekretaris", "DISPOSISI", NOW)
    case.do("hukum", "BERKADAR PENGAWASAN", NOW, attachments=("lht.pdf",))
    case.do("hukum", "KERTAS KERJA", NOW, attachments=("kk.pdf",))
    case.do("hukum", "INVESTIGASI Andi (andi@kpu.example); Rina (rina@kpu.example)", NOW)
    case.do("sekretaris", "SETUJU", NOW)
    case.do("hukum", "LAPORAN Terbukti.", NOW, attachments=("lhp.pdf",))
    assert case.state.data["laporan_dari"] == "investigasi"
    limit_before = case.state.complete_at
    later = wib(2026, 3, 20, 9, 0)
    d = case.do("sekretaris", "TOLAK Mohon periksa saksi kedua.", later)
    assert case.state.step == "investigasi" and case.state.complete_at == limit_before
    back = only(d, Notify, template="tugas", to="hukum")
    assert back.context["note"] == "Mohon periksa saksi kedua."
    # A fresh deadline from the TOLAK, the investigation's 4 working days.
    assert only(d, OpenTask).due_at == CAL.add(later, SOP.step("investigasi").duration)
    [restart] = [r for r in d.of_type(Record) if r.kind == "tahap_diulang"]
    assert restart.detail["to"] == "investigasi" and restart.detail["batas_akhir"]
    # The team gets the task again, the note and a fresh token of their own.
    told = {n.to: n for n in d.of_type(Notify) if n.template == "tugas" and n.to != "hukum"}
    assert set(told) == {"andi@kpu.example", "rina@kpu.example"}
    assert told["rina@kpu.example"].context["note"] == "Mohon periksa saksi kedua."
    assert told["rina@kpu.example"].reply_token == TokenFor("investigasi", "hukum")
    assert only(d, CloseTask).outcome == "tolak_ke_investigasi"
    # The report filed again goes to the approval again.
    case.do("hukum", "LAPORAN Terbukti, saksi kedua diperiksa.", later, attachments=("b.pdf",))
    assert case.state.step == "persetujuan_laporan"


@pytest.mark.parametrize(
    ("text", "approval", "kept"),
    [
        (
            "TERUSKAN DKPP\nKlarifikasi menunjukkan dugaan pelanggaran etik.",
            "persetujuan_penerusan",
            "usul_penerusan",
        ),
        (
            "TIDAK DAPAT DITINDAKLANJUTI Terlapor tidak dapat diidentifikasi.",
            "persetujuan_tidak_ditindaklanjuti",
            "usul_tidak_ditindaklanjuti",
        ),
    ],
)
def test_proposals_after_berkadar_pengawasan_return_to_kertas_kerja_on_tolak(text, approval, kept):
    case = Case(NOW, step="verifikasi")
    case.do("desk", "LENGKAP", NOW)
    case.do("sekretaris", "DISPOSISI", NOW)
    case.do("hukum", "BERKADAR PENGAWASAN", NOW, attachments=("lht.pdf",))
    telaah_result = case.state.data.get("laporan_telaah")
    d = case.do("hukum", text, NOW, attachments=("survei.pdf",))
    assert case.state.step == approval and case.state.data[kept]["dari"] == "kertas_kerja"
    assert only(d, OpenTask).due_at == CAL.add(NOW, SOP.step(approval).duration)
    assert "lampiran:kertas_kerja" in only(d, Notify, template="tugas").documents
    # The telaah keeps its own date and result: the proposal came after the survey.
    assert "telaah_at" not in only(d, UpdateCase).fields
    assert case.state.data.get("laporan_telaah") == telaah_result
    later = wib(2026, 3, 10, 9, 0)
    back = case.do("sekretaris", "TOLAK Mohon lengkapi hasil survei.", later)
    assert case.state.step == "kertas_kerja"
    assert only(back, Notify, template="tugas").to == "hukum"
    assert only(back, OpenTask).due_at == CAL.add(later, SOP.step("kertas_kerja").duration)
    assert only(back, CloseTask).outcome == "tolak_ke_kertas_kerja"
    # From kertas_kerja again, KERTAS KERJA goes on along the supervisory path.
    case.do("hukum", "KERTAS KERJA", later, attachments=("kk.pdf",))
    assert case.state.step == "tindak_lanjut"


def test_tolak_on_a_proposal_from_the_telaah_still_returns_to_the_telaah():
    d = reply(base_state("persetujuan_penerusan"), "sekretaris", "TOLAK Bukan wewenang DKPP.")
    assert d.state.step == "telaah"


def test_report_without_investigation_and_tolak_at_step_7():
    case = Case(NOW, step="verifikasi")
    case.do("desk", "LENGKAP", NOW)
    case.do("sekretaris", "DISPOSISI", NOW)
    case.do("hukum", "BERKADAR PENGAWASAN", NOW, attachments=("lht.pdf",))
    case.do("hukum", "KERTAS KERJA", NOW, attachments=("kk.pdf",))
    case.do("hukum", "LAPORAN Tidak terbukti.", NOW)
    assert case.state.step == "persetujuan_laporan"
    d = case.do("sekretaris", "TOLAK Mohon lampirkan keterangan saksi.", NOW)
    assert case.state.step == "tindak_lanjut"
    back = only(d, Notify, template="tugas")
    assert back.to == "hukum" and back.context["note"] == "Mohon lampirkan keterangan saksi."
    assert d.of_type(UpdateCase)[0].data == {"catatan_laporan": "Mohon lampirkan keterangan saksi."}
    case.do(
        "hukum",
        "LAPORAN Tidak terbukti, keterangan saksi terlampir.",
        NOW,
        attachments=("saksi.pdf",),
    )
    d = case.do("sekretaris", "APPROVE Pengaduan tidak terbukti.", NOW)
    assert case.state.step == "selesai"
    assert only(d, Notify, template="hasil").context["ringkasan"] == "Pengaduan tidak terbukti."


def test_tolak_investigation_goes_back_to_the_handler():
    case = Case(NOW, step="verifikasi")
    case.state = base_state("persetujuan_investigasi")
    d = case.do("sekretaris", "TOLAK Cukup dengan klarifikasi.", NOW)
    assert case.state.step == "tindak_lanjut"
    assert only(d, Notify, template="tugas").context["note"] == "Cukup dengan klarifikasi."
    assert not d.of_type(RenderDocument)


@pytest.mark.parametrize("email", [True, False])
def test_teruskan_is_a_proposal_and_nothing_leaves_before_setuju(email):
    sop = load_sop({"agencies": {"bawaslu": {"email": "bawaslu@example.go.id"}}} if email else {})
    state = base_state("telaah", klasifikasi="pelanggaran pemilu")
    d = reply(state, "hukum", "Teruskan: Bawaslu\nTelaah: dugaan pelanggaran kampanye.", sop=sop)
    assert d.state.step == "persetujuan_penerusan" and d.state.closed_at is None
    assert d.state.forwarded_to == ""  # not forwarded yet
    draft = only(d, RenderDocument)
    assert draft.kind == "surat_penerusan" and "persetujuan" not in draft.params  # unnumbered
    assert draft.params["redact_identity"] is True
    assert [n.to for n in d.of_type(Notify)] == ["sekretaris"]  # only the approval request
    ask = only(d, Notify, template="tugas")
    assert ask.to == "sekretaris" and "surat_penerusan" in ask.documents
    # The approver reads exactly what the reporter will be told.
    assert "pelapor diberi tahu setelah surat terkirim" in ask.context["note"]
    assert "telah diteruskan kepada Bawaslu Kabupaten Kepulauan Mentawai" in (ask.context["note"])
    assert only(d, OpenTask).due_at == CAL.add(NOW, sop.step("persetujuan_penerusan").duration)
    assert only(d, UpdateCase).data["usul_penerusan"]["instansi"] == "bawaslu"
    assert only(d, UpdateCase).data["laporan_telaah"] == "Telaah: dugaan pelanggaran kampanye."

    at = NOW.replace(hour=11)
    d = reply(d.state, "sekretaris", "SETUJU", at=at, sop=sop)
    approved = d.of_type(RenderDocument)[0]
    assert approved.kind == "surat_penerusan"
    assert approved.params["persetujuan"]["oleh"] == "sekretaris@kpu.example"
    assert approved.params["persetujuan"]["penandatangan"] == "sekretaris"
    assert d.state.forwarded_to == "Bawaslu Kabupaten Kepulauan Mentawai"
    if email:
        assert d.state.step == "diteruskan" and d.state.closed_at == at
        sent = only(d, Notify, template="penerusan_instansi")
        assert sent.to == "bawaslu@example.go.id" and sent.documents == ("surat_penerusan",)
        told = only(d, Notify, template="diteruskan")
        assert told.to == PELAPOR and "7 (tujuh) hari kerja" in told.context["catatan"]
        copy = d.of_type(RenderDocument)[1]
        assert copy.params == {"salinan_pelapor": True}
        assert only(d, Notify, template="informasi").to == "ketua"  # the tembusan
        return
    # Without an address: the desk gets a task (with a deadline) to send the numbered letter;
    # the reporter hears nothing yet.
    assert d.state.step == "pengiriman_penerusan" and d.state.closed_at is None
    assert not [n for n in d.of_type(Notify) if n.to == PELAPOR]
    task = only(d, Notify, template="tugas")
    assert task.to == "desk" and "surat_penerusan" in task.documents
    assert only(d, OpenTask).due_at == CAL.add(at, sop.step("pengiriman_penerusan").duration)
    later = at.replace(day=9)
    d = reply(d.state, "desk", "TERKIRIM melalui Pos Indonesia, resi 123", at=later, sop=sop)
    assert d.state.step == "diteruskan" and d.state.closed_at == later
    assert only(d, Notify, template="diteruskan").to == PELAPOR
    assert only(d, Notify, template="informasi").to == "ketua"
    assert only(d, UpdateCase).data["pengiriman_penerusan"] == "melalui Pos Indonesia, resi 123"


def test_tolak_on_a_forwarding_returns_it_to_the_telaah():
    state = base_state("persetujuan_penerusan")
    d = reply(state, "sekretaris", "TOLAK Instansi yang tepat adalah DKPP.")
    assert d.state.step == "telaah"
    assert d.state.data["catatan_penerusan"] == "Instansi yang tepat adalah DKPP."
    assert not d.of_type(RenderDocument)
    assert only(d, Notify, template="tugas").to == "hukum"


def test_a_conflicted_sekretaris_s_forwarding_is_approved_and_signed_by_the_ketua():
    state = base_state("persetujuan_penerusan", conflict_role="sekretaris")
    d = reply(state, "ketua", "SETUJU")
    approval = d.of_type(RenderDocument)[0].params["persetujuan"]
    assert approval["penandatangan"] == "ketua" and approval["peran"] == "Ketua"


def test_teruskan_shows_the_identity_only_with_consent_and_not_when_confidential():
    def redacted(**kw):
        d = reply(base_state("telaah", **kw), "hukum", "TERUSKAN DKPP", attachments=("x",))
        return only(d, RenderDocument).params["redact_identity"]

    assert redacted(consent_to_share=True) is False
    assert redacted(consent_to_share=True, confidential=True) is True
    assert redacted() is True


def test_tidak_dapat_ditindaklanjuti_is_a_proposal_and_nothing_leaves_before_setuju():
    d = reply(
        base_state("telaah"),
        "hukum",
        "tidak dapat ditindaklanjuti - identitas terlapor tidak jelas",
    )
    assert d.state.step == "persetujuan_tidak_ditindaklanjuti" and d.state.closed_at is None
    assert only(d, CloseTask) == CloseTask(
        "telaah", "tidak_dapat_ditindaklanjuti", "hukum@kpu.example"
    )
    assert "outcome" not in only(d, UpdateCase).fields  # not closed yet
    draft = only(d, RenderDocument)
    assert draft.kind == "surat_pemberitahuan" and "persetujuan" not in draft.params  # unnumbered
    assert draft.params["alasan"] == "identitas terlapor tidak jelas"
    assert [n.to for n in d.of_type(Notify)] == ["sekretaris"]  # only the approval request
    ask = only(d, Notify, template="tugas")
    assert ask.documents == ("lampiran:telaah", "lampiran:kertas_kerja", "surat_pemberitahuan")
    # The approver reads exactly the reason the reporter will receive.
    assert (
        "tidak dapat ditindaklanjuti, dengan alasan:\nidentitas terlapor tidak jelas"
        in (ask.context["note"])
    )
    # Inside step 4's 7 working days: telaah 6 + approval 1, as for TERUSKAN.
    assert only(d, OpenTask) == OpenTask(
        "persetujuan_tidak_ditindaklanjuti",
        "sekretaris",
        CAL.add(NOW, SOP.step("persetujuan_tidak_ditindaklanjuti").duration),
        only(d, OpenTask).remind_at,
    )
    approval = SOP.step("persetujuan_tidak_ditindaklanjuti").duration
    assert SOP.step("telaah").duration.amount + approval.amount == 7

    at = NOW.replace(hour=11)
    d = reply(d.state, "sekretaris", "SETUJU Sudah diperiksa.", at=at)
    assert d.state.step == "tidak_ditindaklanjuti" and d.state.closed_at == at
    letter = only(d, RenderDocument)
    assert letter.params["persetujuan"]["oleh"] == "sekretaris@kpu.example"
    assert "cara" not in letter.params["persetujuan"]  # "Disetujui melalui surel oleh ..."
    told = only(d, Notify, template="tidak_ditindaklanjuti")
    # The proposed reason, never the approver's note.
    assert told.to == PELAPOR and told.context["alasan"] == "identitas terlapor tidak jelas"
    assert told.documents == ("surat_pemberitahuan",)
    assert only(d, Notify, template="informasi").to == "hukum"  # the proposer hears of it
    update = only(d, UpdateCase)
    assert update.fields["outcome"] == "identitas terlapor tidak jelas"
    assert update.data["catatan_tidak_ditindaklanjuti"] == "Sudah diperiksa."
    assert only(d, CloseTask) == CloseTask(
        "persetujuan_tidak_ditindaklanjuti", "setuju", "sekretaris@kpu.example"
    )


def test_tolak_on_a_closure_returns_it_to_the_telaah_with_the_note():
    state = base_state("persetujuan_tidak_ditindaklanjuti")
    d = reply(state, "sekretaris", "TOLAK Mohon klarifikasi terlapor terlebih dahulu.")
    assert d.state.step == "telaah" and d.state.closed_at is None
    assert d.state.data["catatan_tidak_ditindaklanjuti"] == (
        "Mohon klarifikasi terlapor terlebih dahulu."
    )
    assert not d.of_type(RenderDocument)
    back = only(d, Notify, template="tugas")
    assert back.to == "hukum" and "klarifikasi terlapor" in back.context["note"]
    assert not [n for n in d.of_type(Notify) if n.to == PELAPOR]
    assert [r for r in d.of_type(Record) if r.kind == "tahap_diulang"]


def test_only_the_approver_may_approve_a_closure():
    state = base_state("persetujuan_tidak_ditindaklanjuti")
    for role in ("hukum", "desk", "ketua", PELAPOR):
        d = reply(state, role, "SETUJU")
        assert d.state == state and not d.of_type(RenderDocument)
        assert not [n for n in d.of_type(Notify) if n.template == "tidak_ditindaklanjuti"]
    # A proposal whose reason is gone is refused, not sent empty.
    d = reply(base_state("persetujuan_tidak_ditindaklanjuti", data={}), "sekretaris", "SETUJU")
    assert d.refusal and d.refusal.reason == "invalid_argument" and d.state.step == state.step


def test_bukan_pengaduan_tells_the_sender_but_spam_does_not():
    d = reply(base_state(), "desk", "BUKAN PENGADUAN Penawaran jasa")
    assert d.state.step == "bukan_pengaduan"
    assert only(d, Notify, template="bukan_pengaduan").context["alasan"] == "Penawaran jasa"
    d = reply(base_state(), "desk", "SPAM")
    assert d.state.step == "bukan_pengaduan" and not d.of_type(Notify)


def test_closures_without_a_surat_hasil_send_a_numbered_surat_pemberitahuan():
    state = base_state("persetujuan_tidak_ditindaklanjuti")
    d = reply(state, "sekretaris", "SETUJU")
    letter = only(d, RenderDocument)
    assert letter.kind == "surat_pemberitahuan"
    assert letter.params["jenis"] == "tidak_ditindaklanjuti"
    assert letter.params["alasan"] == "Di luar kewenangan."
    # The Sekretaris approved Hukum's proposal: "Disetujui melalui surel", her block.
    assert letter.params["persetujuan"] == {
        "oleh": "sekretaris@kpu.example",
        "peran": SOP.role_title("sekretaris"),
        "role": "sekretaris",
        "penandatangan": "sekretaris",
        "tujuan": "Pelapor",
    }
    told = only(d, Notify, template="tidak_ditindaklanjuti")
    assert told.to == PELAPOR and told.documents == ("surat_pemberitahuan",)
    assert only(d, Notify, template="informasi").documents == ()  # Hukum is told
    # BUKAN PENGADUAN issues no official letter (test_reporter_letters.py).
    # a conflicted Sekretaris: the Ketua is asked, approves and signs
    d = reply(base_state("telaah", conflict_role="sekretaris"), "hukum", "TIDAK DITINDAKLANJUTI x")
    assert only(d, OpenTask).role == "ketua"
    d = reply(d.state, "ketua", "SETUJU")
    assert only(d, RenderDocument).params["persetujuan"]["penandatangan"] == "ketua"


def test_a_reporter_without_email_gets_the_closing_letter_through_the_desk():
    for step, role, text in (("persetujuan_tidak_ditindaklanjuti", "sekretaris", "SETUJU"),):
        d = reply(base_state(step, pelapor_email=""), role, text)
        assert not [n for n in d.of_type(Notify) if n.to == PELAPOR]
        printed = [n for n in d.of_type(Notify) if n.to == "desk"]
        assert [n.documents for n in printed] == [("surat_pelapor",)]  # the desk's task
        assert only(d, OpenTask).step == "pengiriman_surat_pelapor"
        assert d.state.data["surat_pelapor"]["surat"] == "surat_pemberitahuan"
        assert only(d, RenderDocument).kind == "surat_pemberitahuan"


def test_lengkapi_round_trip():
    case = Case(NOW)
    d = case.do("desk", "LENGKAPI\nMohon kirim foto kejadian\ndan alamat lengkap.", NOW)
    assert case.state.step == "menunggu_pelapor" and case.state.task_due_at is None
    ask = only(d, Notify, template="permintaan_kelengkapan")
    assert ask.to == PELAPOR and ask.reply_token == TokenFor("menunggu_pelapor", PELAPOR)
    assert ask.context["apa"] == "Mohon kirim foto kejadian dan alamat lengkap."
    assert only(d, CloseTask).step == "verifikasi" and not d.of_type(OpenTask)
    # the desk keeps a way to decide while the reporter is silent
    assert only(d, Transcript).reply_token == TokenFor("menunggu_pelapor", "desk")

    status = case.do(PELAPOR, "status", wib(2026, 3, 7, 8, 0))
    assert only(status, Notify).template == "status_pelapor"
    assert "waiting_on" not in only(status, Notify).context
    assert only(status, Notify).context["step_title"] == "Menunggu kelengkapan dari pelapor"
    assert only(status, Notify).reply_token == TokenFor("menunggu_pelapor", PELAPOR)
    assert case.state.step == "menunggu_pelapor"

    d = case.do(
        PELAPOR,
        "Berikut saya lampirkan fotonya.",
        wib(2026, 3, 8, 20, 0),
        attachments=("foto.jpg",),
    )
    assert case.state.step == "verifikasi"
    assert only(d, FileAttachments).step == "pengaduan"
    assert d.of_type(RecheckCompleteness)
    task = only(d, OpenTask)
    assert task.role == "desk" and local(task.due_at) == wib(2026, 3, 9, 8, 30)
    assert only(d, Notify, template="tugas").context["pelapor_menanggapi"] is True
    assert only(d, Notify, template="tanggapan_diterima").to == PELAPOR
    case.do("desk", "LENGKAP", wib(2026, 3, 9, 8, 10))
    assert case.state.step == "disposisi"


def test_reporter_writing_later_informs_the_current_role():
    d = reply(base_state("telaah"), PELAPOR, "Ada bukti tambahan.", attachments=("b.pdf",))
    assert d.state == base_state("telaah")
    told = only(d, Notify, template="informasi_pelapor")
    assert told.to == "hukum" and told.documents == ("lampiran:pengaduan",)
    assert only(d, FileAttachments).step == "pengaduan"
    # a reporter cannot decide anything, even with a staff command
    d = reply(base_state("persetujuan_laporan"), PELAPOR, "SETUJU")
    assert d.state.step == "persetujuan_laporan"
    assert only(d, Notify).template == "informasi_pelapor"


def test_konflik_sekretaris_routes_to_the_ketua():
    case = Case(NOW)
    d = case.do("desk", "KONFLIK SEKRETARIS", NOW)
    assert case.state.conflict_role == "sekretaris" and case.state.step == "verifikasi"
    assert only(d, UpdateCase).fields == {"conflict_role": "sekretaris"}
    assert only(d, Transcript).reply_token == TokenFor("verifikasi", "desk")
    assert "Ketua" in only(d, Transcript).lines[1]
    d = case.do("desk", "LENGKAP", NOW)
    assert only(d, OpenTask).role == "ketua"
    assert only(d, Notify, template="tugas").to == "ketua"
    refused = case.refused("sekretaris", "DISPOSISI HUKUM", NOW, "not_your_role")
    assert "Ketua" in refused.refusal.message and "benturan" in refused.refusal.message
    case.do("ketua", "DISPOSISI HUKUM", NOW)
    assert case.state.step == "telaah"
    case.state = base_state("persetujuan_laporan", conflict_role="sekretaris")
    case.refused("sekretaris", "SETUJU", NOW, "not_your_role")
    case.do("ketua", "SETUJU Selesai.", NOW)


def test_konflik_hukum_lets_the_sekretaris_do_the_telaah():
    case = Case(NOW)
    case.do("desk", "konflik hukum", NOW)
    case.do("desk", "LENGKAP", NOW)
    d = case.do("sekretaris", "DISPOSISI HUKUM", NOW)
    assert only(d, OpenTask).role == "sekretaris"
    case.refused("hukum", "BERKADAR PENGAWASAN", NOW, "not_your_role")
    case.do("sekretaris", "TIDAK DAPAT DITINDAKLANJUTI di luar kewenangan", NOW)


def test_sub_bagian_hands_the_case_to_another_sub_division():
    case = Case(NOW)
    case.state = base_state("telaah")
    d = case.do("hukum", "SUB BAGIAN TEKNIS\nPerlu perbaikan data pemilih.", NOW)
    assert case.state.handler == "teknis" and case.state.step == "tindak_lanjut"
    assert only(d, UpdateCase).data["handler"] == "teknis"
    assert only(d, OpenTask).role == "teknis"
    case.refused("hukum", "LAPORAN sudah", NOW, "not_your_role")
    case.do("teknis", "LAPORAN Data telah diperbaiki.", NOW)
    d = case.do("sekretaris", "SETUJU Data pemilih telah diperbaiki.", NOW)
    assert only(d, Notify, template="informasi").to == "teknis"
    assert only(d, Notify, template="hasil").context["ringkasan"] == (
        "Data pemilih telah diperbaiki."
    )


def test_a_bare_setuju_never_sends_the_internal_laporan_line_to_the_reporter():
    state = base_state("tindak_lanjut")
    d = reply(state, "hukum", "LAPORAN Saksi A tidak kooperatif; terlapor kerabat Kasubbag.")
    ask = only(d, Notify, template="tugas")
    assert ask.to == "sekretaris"
    # The approval request shows the exact text the reporter would receive.
    assert STANDARD_OUTCOME in ask.context["note"]
    d = reply(d.state, "sekretaris", "SETUJU")
    told = only(d, Notify, template="hasil")
    assert told.context["ringkasan"] == STANDARD_OUTCOME
    assert "kooperatif" not in str(d.of_type(RenderDocument)[0].params)
    assert only(d, UpdateCase).fields["outcome"] == STANDARD_OUTCOME


def test_the_untuk_pelapor_line_is_what_the_reporter_gets_and_the_approver_sees():
    state = base_state("tindak_lanjut")
    d = reply(
        state,
        "hukum",
        "LAPORAN Terlapor mengakui; dijatuhi teguran lisan oleh Kasubbag.\n"
        "Untuk pelapor: Dugaan terbukti dan petugas yang bersangkutan\n"
        "telah diberi pembinaan.\n\nSalam,\nAndi",
    )
    assert d.state.data["laporan_ringkasan"] == (
        "Terlapor mengakui; dijatuhi teguran lisan oleh Kasubbag."
    )
    meant = "Dugaan terbukti dan petugas yang bersangkutan telah diberi pembinaan."
    assert d.state.data["untuk_pelapor"] == meant
    assert meant in only(d, Notify, template="tugas").context["note"]
    d = reply(d.state, "sekretaris", "SETUJU")
    assert only(d, Notify, template="hasil").context["ringkasan"] == meant
    assert "teguran lisan" not in str([vars(e) for e in d.effects if not isinstance(e, Transcript)])


def test_disposisi_to_another_sub_division():
    d = reply(base_state("disposisi"), "sekretaris", "DISPOSISI ke Sub Bagian Teknis")
    assert d.state.handler == "teknis" and d.state.disposisi_to == "teknis"
    assert only(d, OpenTask).role == "teknis"


def test_delegasi():
    d = reply(base_state("telaah"), "sekretaris", "DELEGASI Wakil@KPU.example sampai 31 Maret 2026")
    grant = only(d, Delegate)
    assert (grant.role, grant.address, grant.granted_by) == (
        "sekretaris",
        "wakil@kpu.example",
        "sekretaris@kpu.example",
    )
    assert grant.until == wib(2026, 4, 1, 0, 0) and grant.until.tzinfo is UTC
    assert only(d, Notify, template="delegasi").to == "wakil@kpu.example"
    assert d.state == base_state("telaah")
    assert only(d, Transcript).lines[0].startswith("Dilaksanakan: DELEGASI")
    # the deputy decides, but cannot pass the role on
    deputy = reply(
        base_state("disposisi"), "sekretaris", "DISPOSISI HUKUM", delegated=("sekretaris",)
    )
    assert deputy.accepted and deputy.state.step == "telaah"
    again = reply(
        base_state("disposisi"),
        "sekretaris",
        "DELEGASI x@kpu.example 31-03-2026",
        delegated=("sekretaris",),
    )
    assert again.refusal.reason == "delegate_cannot_delegate"
    closed = reply(base_state("selesai"), "ketua", "DELEGASI y@kpu.example 31-03-2026")
    assert only(closed, Delegate).role == "ketua"


def test_status_for_staff_carries_deadlines_and_a_token_for_the_decider():
    state = base_state("telaah", task_due_at=wib(2026, 3, 17, 16, 0), complete_at=NOW)
    d = reply(state, "hukum", "STATUS", at=wib(2026, 3, 10, 9, 0))
    note = only(d, Notify)
    assert note.template == "status" and note.reply_token == TokenFor("telaah", "hukum")
    ctx = note.context
    assert ctx["waiting_on"] == "Sub Bagian Hukum"
    assert ctx["due_text"] == "Selasa, 17 Maret 2026 pukul 16.00 WIB"
    assert local(ctx["batas_akhir"]) == wib(2026, 5, 6, 0, 0)
    assert ctx["hari_kerja_dipakai"] == 2
    assert only(reply(state, "ketua", "STATUS"), Notify).reply_token is None
    assert (
        "DISPOSISI"
        in only(reply(base_state("disposisi"), "sekretaris", "HELP"), Notify).context["help"]
    )


# --- deadlines: reminders and escalations ---------------------------------------------------------


def task(
    id=1, step="verifikasi", role="desk", opened=None, due=None, remind=None, closed=None, case=7
):
    return SimpleNamespace(
        id=id,
        pengaduan_id=case,
        step=step,
        role=role,
        opened_at=opened,
        due_at=due,
        remind_at=remind,
        closed_at=closed,
    )


def kinds(alerts):
    return [(a.task.id, a.kind, a.roles) for a in alerts]


def test_desk_task_across_the_weekend():
    opened = wib(2026, 3, 6, 15, 50)
    registered = on_registered(base_state(), opened, SOP, CAL)
    t = only(registered, OpenTask)
    row = task(opened=opened, due=t.due_at, remind=t.remind_at)
    assert local(t.due_at) == wib(2026, 3, 9, 8, 20) and local(t.remind_at) == wib(2026, 3, 9, 8, 5)
    assert due_alerts([row], wib(2026, 3, 7, 12, 0), SOP, CAL) == []
    assert kinds(due_alerts([row], wib(2026, 3, 9, 8, 5), SOP, CAL)) == [(1, "reminder", ("desk",))]
    # once overdue, no reminder: the holder and the Sekretaris are told
    assert kinds(due_alerts([row], wib(2026, 3, 9, 8, 20), SOP, CAL)) == [
        (1, "overdue", ("desk", "sekretaris"))
    ]
    # two working days later the Ketua
    assert kinds(due_alerts([row], wib(2026, 3, 11, 15, 59), SOP, CAL)) == [
        (1, "overdue", ("desk", "sekretaris"))
    ]
    assert kinds(due_alerts([row], wib(2026, 3, 11, 16, 0), SOP, CAL)) == [
        (1, "overdue", ("desk", "sekretaris")),
        (1, "escalation", ("ketua",)),
    ]


def test_telaah_reminder_waits_for_idul_fitri_to_pass():
    row = task(
        step="telaah", role="hukum", due=wib(2026, 3, 25, 16, 0), remind=wib(2026, 3, 25, 8, 0)
    )
    assert due_alerts([row], wib(2026, 3, 24, 12, 0), SOP, CAL) == []
    assert kinds(due_alerts([row], wib(2026, 3, 25, 8, 0), SOP, CAL)) == [
        (1, "reminder", ("hukum",))
    ]


def test_each_alert_goes_once_and_closed_tasks_are_quiet():
    rows = [
        task(1, due=wib(2026, 3, 9, 8, 20)),
        task(2, due=wib(2026, 3, 9, 8, 20), closed=wib(2026, 3, 9, 8, 0)),
    ]
    late = wib(2026, 3, 20, 9, 0)
    assert kinds(due_alerts(rows, late, SOP, CAL)) == [
        (1, "overdue", ("desk", "sekretaris")),
        (1, "escalation", ("ketua",)),
    ]
    assert kinds(due_alerts(rows, late, SOP, CAL, sent=[(1, "overdue")])) == [
        (1, "escalation", ("ketua",))
    ]
    assert due_alerts(rows, late, SOP, CAL, sent=[(1, "overdue"), (1, "escalation")]) == []


def test_escalation_respects_the_chain_and_conflicts():
    late = wib(2026, 4, 30, 9, 0)
    sek = task(1, step="disposisi", role="sekretaris", due=wib(2026, 3, 10, 16, 0))
    assert kinds(due_alerts([sek], late, SOP, CAL)) == [(1, "overdue", ("sekretaris", "ketua"))]
    hukum = task(2, step="telaah", role="hukum", due=wib(2026, 3, 10, 16, 0), case=9)
    assert kinds(due_alerts([hukum], late, SOP, CAL, conflicts={9: "sekretaris"})) == [
        (2, "overdue", ("hukum", "ketua"))
    ]
    ketua = task(3, step="disposisi", role="ketua", due=wib(2026, 3, 10, 16, 0))
    assert kinds(due_alerts([ketua], late, SOP, CAL)) == [(3, "overdue", ("ketua",))]


def test_no_reminder_when_the_lead_time_exceeds_the_task():
    sop = load_sop({"disposisi": {"remind_before": "5 hari kerja"}})
    d = reply(base_state(), "desk", "LENGKAP", sop=sop)
    assert only(d, OpenTask).remind_at is None


def test_alert_notices():
    state = base_state("telaah")
    row = task(
        step="telaah",
        role="hukum",
        opened=NOW,
        due=wib(2026, 3, 17, 16, 0),
        remind=wib(2026, 3, 17, 8, 0),
    )
    [reminder] = due_alerts([row], wib(2026, 3, 17, 8, 0), SOP, CAL)
    [sent] = alert_notices(reminder, state, SOP, CAL)
    assert (sent.template, sent.to, sent.reply_token) == (
        "pengingat",
        "hukum",
        TokenFor("telaah", "hukum"),
    )
    assert "BERKADAR PENGAWASAN" in sent.context["help"]
    assert sent.context["due_text"] == "Selasa, 17 Maret 2026 pukul 16.00 WIB"
    [overdue] = due_alerts([row], wib(2026, 3, 17, 16, 0), SOP, CAL)
    late, up = alert_notices(overdue, state, SOP, CAL)
    assert (late.template, late.to, late.reply_token) == (
        "terlambat",
        "hukum",
        TokenFor("telaah", "hukum"),
    )
    assert (up.template, up.to, up.reply_token) == ("eskalasi", "sekretaris", None)
    [_, escalation] = due_alerts([row], wib(2026, 3, 31, 9, 0), SOP, CAL)
    assert [(n.template, n.to) for n in alert_notices(escalation, state, SOP, CAL)] == [
        ("eskalasi", "ketua")
    ]


def test_every_command_is_reachable_in_the_cross_product():
    assert set(GOOD_ARGS) == set(COMMANDS)


@pytest.mark.parametrize(
    ("step", "role", "text", "status"),
    [
        ("persetujuan_laporan", "sekretaris", "SETUJU", "Selesai"),
        ("persetujuan_penerusan", "sekretaris", "SETUJU", "Diteruskan ke instansi lain"),
        ("persetujuan_tidak_ditindaklanjuti", "sekretaris", "SETUJU", "Tidak dapat"),
        ("verifikasi", "desk", "BUKAN PENGADUAN iklan", "Bukan pengaduan"),
    ],
)
def test_the_ketua_is_told_when_a_case_closes(step, role, text, status):
    d = reply(base_state(step), role, text)
    assert SOP.step(d.state.step).terminal
    notice = only(d, Notify, template="pengaduan_ditutup")
    assert (notice.to, notice.reply_token, notice.documents) == ("ketua", None, ())
    assert status in notice.context["message"] and "001/PGD/III/2026" in notice.context["message"]


def test_no_closing_notice_for_spam_for_a_ketua_who_closed_it_or_is_conflicted():
    spam = reply(base_state("verifikasi"), "desk", "SPAM")
    assert spam.state.step == "bukan_pengaduan"
    by_ketua = reply(
        base_state("persetujuan_laporan", conflict_role="sekretaris"), "ketua", "SETUJU"
    )
    conflicted = reply(
        base_state("persetujuan_laporan", conflict_role="ketua"), "sekretaris", "SETUJU"
    )
    for d in (spam, by_ketua, conflicted):
        assert d.accepted and not [
            n for n in d.of_type(Notify) if n.template == "pengaduan_ditutup"
        ]
    # Moving along without closing tells the Ketua nothing.
    d = reply(base_state("tindak_lanjut"), "hukum", "LAPORAN Tidak terbukti.")
    assert not [n for n in d.of_type(Notify) if n.to == "ketua"]
