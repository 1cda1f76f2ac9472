"""The SOP as data and its `[sop]` overrides (workflow.sop.definition, workflow.sop.config)."""

import pytest

from dumas.workflow.errors import ConfigError
from dumas.workflow.sop.calendar import Duration
from dumas.workflow.sop.commands.registry import COMMANDS
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.definition import DEFAULT_SOP, PELAPOR, PELAPOR_REPLY, PELAPOR_TIMEOUT
from dumas.workflow.sop.effects import CaseState

WD = "working_days"

# The SOP's step table (README "Steps"), written out independently of workflow/sop/definition.py.
EXPECTED = {
    # name: (SOP number, role, duration, reminder)
    "verifikasi": (2, "desk", Duration(30, "working_minutes"), Duration(15, "working_minutes")),
    "disposisi": (3, "sekretaris", Duration(2, WD), Duration(1, WD)),
    # SOP step 4: "7 hari" in all, the Sekretaris's approval of a surat penerusan or of a
    # closure (tidak dapat ditindaklanjuti) inside it.
    "telaah": (4, "hukum", Duration(6, WD), Duration(1, WD)),
    "persetujuan_penerusan": (4, "sekretaris", Duration(1, WD), Duration(1, WD)),
    "persetujuan_tidak_ditindaklanjuti": (4, "sekretaris", Duration(1, WD), Duration(1, WD)),
    # After the SOP's step 4: the desk posts the letter to an agency without an email address.
    "pengiriman_penerusan": (4, "desk", Duration(2, WD), Duration(1, WD)),
    "kertas_kerja": (5, "hukum", Duration(3, WD), Duration(1, WD)),
    # SOP step 6: "5 s/d 7 hari" in all, the Sekretaris's approval inside it (2 + 1 + 4 = 7).
    "tindak_lanjut": (6, "hukum", Duration(2, WD), Duration(1, WD)),
    "persetujuan_investigasi": (6, "sekretaris", Duration(1, WD), Duration(1, WD)),
    "investigasi": (6, "hukum", Duration(4, WD), Duration(1, WD)),
    "persetujuan_laporan": (7, "sekretaris", Duration(3, WD), Duration(1, WD)),
}
TERMINAL = {
    "selesai",
    "diteruskan",
    "tidak_ditindaklanjuti",
    "bukan_pengaduan",
    "tidak_dilengkapi",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_task_steps_follow_the_sop(name):
    step = DEFAULT_SOP.step(name)
    assert (step.number, step.role, step.duration, step.remind_before) == EXPECTED[name]
    assert step.has_task and not step.terminal
    assert step.title and step.ask and step.commands


def test_waiting_on_the_reporter_is_not_a_task_but_the_desk_decides():
    step = DEFAULT_SOP.step("menunggu_pelapor")
    assert step.role == PELAPOR and not step.has_task and not step.terminal
    assert step.deciding_role == "desk"
    assert step.transitions[PELAPOR_REPLY] == "verifikasi"
    # ...but it has a clock: a reminder after 5 working days, closure after 10 (issue 10).
    assert step.transitions[PELAPOR_TIMEOUT] == "tidak_dilengkapi"
    assert (step.duration, step.remind_before) == (Duration(10, WD), Duration(5, WD))


def test_step_six_stays_within_the_sops_seven_working_days():
    chain = ("tindak_lanjut", "persetujuan_investigasi", "investigasi")
    durations = [DEFAULT_SOP.step(n).duration for n in chain]
    assert all(d is not None and d.unit == WD for d in durations)
    assert 5 <= sum(d.amount for d in durations if d) <= 7


def test_the_case_limit_warns_at_day_45_and_55_in_its_own_kind_of_day():
    assert DEFAULT_SOP.case_limit_marks() == (
        Duration(45, "calendar_days"),
        Duration(55, "calendar_days"),
    )
    sop = load_sop({"case_limit": "60 hari kerja"})
    assert sop.case_limit_marks() == (Duration(45, WD), Duration(55, WD))
    sop = load_sop(
        {"case_limit_reminder": "40 hari kalender", "case_limit_escalation": "50 hari kalender"}
    )
    assert sop.case_limit_marks() == (Duration(40, "calendar_days"), Duration(50, "calendar_days"))


def test_the_reporters_wait_is_configured_like_a_step():
    sop = load_sop(
        {"menunggu_pelapor": {"duration": "15 hari kerja", "remind_before": "0 hari kerja"}}
    )
    step = sop.step("menunggu_pelapor")
    assert step.duration == Duration(15, WD) and step.remind_before is None and not step.has_task


def test_terminal_steps_have_no_commands():
    terminal = {n for n, s in DEFAULT_SOP.steps.items() if s.terminal}
    assert terminal == TERMINAL
    for name in terminal:
        step = DEFAULT_SOP.step(name)
        assert not step.commands and not step.transitions and not step.has_task


def test_every_command_and_transition_is_defined():
    for step in DEFAULT_SOP.steps.values():
        for command in step.commands:
            assert command in COMMANDS, (step.name, command)
            # A task after closing moves no case: it closes its own task (the desk's TERKIRIM).
            assert command in step.transitions or step.after_closing, (step.name, command)
        for target in step.transitions.values():
            assert target in DEFAULT_SOP.steps


def test_every_step_is_reachable_from_verifikasi():
    seen, todo = set(), ["verifikasi"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(DEFAULT_SOP.step(name).transitions.values())
    # A task after closing is opened by a closure, never reached as a step.
    after = {n for n, s in DEFAULT_SOP.steps.items() if s.after_closing}
    assert after == {"pengiriman_surat_pelapor"} and seen == set(DEFAULT_SOP.steps) - after


def test_perpres_limit_is_sixty_calendar_days():
    assert DEFAULT_SOP.case_limit == Duration(60, "calendar_days")


def test_unknown_step_is_a_key_error():
    with pytest.raises(KeyError, match="nope"):
        DEFAULT_SOP.step("nope")


# --- who decides, who is told -----------------------------------------------------------------


@pytest.mark.parametrize(
    "step, handler, conflict, expected",
    [
        ("verifikasi", "hukum", "", "desk"),
        ("menunggu_pelapor", "hukum", "", "desk"),
        ("disposisi", "hukum", "", "sekretaris"),
        ("disposisi", "hukum", "sekretaris", "ketua"),
        ("telaah", "hukum", "", "hukum"),
        ("telaah", "teknis", "", "teknis"),
        ("telaah", "hukum", "hukum", "sekretaris"),
        ("telaah", "teknis", "hukum", "teknis"),
        ("tindak_lanjut", "teknis", "teknis", "sekretaris"),
        ("persetujuan_laporan", "hukum", "sekretaris", "ketua"),
        ("persetujuan_laporan", "hukum", "ketua", "sekretaris"),
        ("selesai", "hukum", "", ""),
    ],
)
def test_acting_role(step, handler, conflict, expected):
    assert DEFAULT_SOP.acting_role(step, handler, conflict) == expected


@pytest.mark.parametrize(
    "role, conflict, expected",
    [
        ("desk", "", ("sekretaris", "ketua")),
        ("sekretaris", "", ("ketua",)),
        ("hukum", "", ("sekretaris", "ketua")),
        ("teknis", "", ("sekretaris", "ketua")),
        ("ketua", "", ()),
        ("desk", "sekretaris", ("ketua",)),
        ("hukum", "ketua", ("sekretaris",)),
        (PELAPOR, "", ()),
    ],
)
def test_escalation_chain(role, conflict, expected):
    assert DEFAULT_SOP.escalation(role, conflict) == expected


@pytest.mark.parametrize(
    "klasifikasi, expected",
    [
        ("etik", ("dkpp",)),
        ("Pelanggaran Pemilu", ("bawaslu",)),
        ("pelanggaran_pemilu", ("bawaslu",)),
        ("pidana pemilu", ("gakkumdu",)),
        ("korupsi", ("apip", "kpk")),
        ("maladministrasi", ("ombudsman",)),
        # The office's own PPID answers an information request: nothing to forward to.
        ("permohonan informasi", ()),
        ("lainnya", ()),
        ("", ()),
    ],
)
def test_forwarding_suggestions(klasifikasi, expected):
    assert tuple(a.key for a in DEFAULT_SOP.suggest(klasifikasi)) == expected


def test_every_klasifikasi_guess_has_a_suggestion():
    from dumas.workflow.extract.klasifikasi import KLASIFIKASI

    # An information request is answered by the office's own PPID: nothing to forward to.
    unforwarded = ("lainnya", "permohonan_informasi")
    for klasifikasi in KLASIFIKASI:
        assert bool(DEFAULT_SOP.suggest(klasifikasi)) == (klasifikasi not in unforwarded), (
            klasifikasi
        )


def test_an_information_request_is_shown_the_ppid_answer_not_a_forwarding():
    from dumas.workflow.sop.commands.verifikasi import BukanPengaduan

    state = CaseState(step="verifikasi", klasifikasi="permohonan_informasi")
    example = BukanPengaduan().example_for(DEFAULT_SOP, state)
    assert example.startswith("BUKAN PENGADUAN") and "PPID" in example
    other = BukanPengaduan().example_for(DEFAULT_SOP, CaseState(step="verifikasi"))
    assert "PPID" not in other


def test_bawaslu_note_states_the_seven_working_days():
    assert "7 (tujuh) hari kerja" in DEFAULT_SOP.agency("bawaslu").note


# --- [sop] overrides ----------------------------------------------------------------------------


def test_empty_table_gives_the_defaults_and_hukum():
    sop = load_sop({})
    assert dict(sop.steps) == dict(DEFAULT_SOP.steps)
    assert [s.key for s in sop.subdivisions] == ["hukum"]
    assert load_sop(None).case_limit == DEFAULT_SOP.case_limit


def test_overrides_apply_without_touching_the_defaults():
    sop = load_sop(
        {
            "case_limit": "60 hari kerja",
            "escalate_again_after": {"amount": 1, "unit": WD},
            "telaah": {"duration": "10 hari kerja", "remind_before": "2 hari kerja"},
            "verifikasi": {"remind_before": "0 menit kerja"},
            "agencies": {
                "bawaslu": {"email": "Bawaslu@Example.go.id", "address": "Tuapejat"},
                "kejaksaan": {"name": "Kejaksaan Negeri", "aliases": ["kejari"]},
            },
            "subdivisions": {
                "teknis": {"title": "Sub Bagian Teknis dan Hupmas", "aliases": ["Hupmas"]}
            },
        },
        subdivisions=["teknis", "hukum"],
    )
    assert sop.case_limit == Duration(60, WD)
    assert sop.escalate_again_after == Duration(1, WD)
    assert sop.step("telaah").duration == Duration(10, WD)
    assert sop.step("telaah").remind_before == Duration(2, WD)
    assert sop.step("verifikasi").remind_before is None
    assert sop.step("verifikasi").duration == Duration(30, "working_minutes")
    assert sop.agency("bawaslu").email == "bawaslu@example.go.id"
    assert sop.agency("bawaslu").address == "Tuapejat"
    assert sop.agency("bawaslu").note  # kept from the default
    assert sop.agency("kejaksaan").aliases == ("kejari",)
    assert [s.key for s in sop.subdivisions] == ["hukum", "teknis"]
    assert sop.subdivision("teknis").aliases == ("hupmas",)
    assert sop.role_title("teknis") == "Sub Bagian Teknis dan Hupmas"
    # the defaults are untouched
    assert DEFAULT_SOP.step("telaah").duration == Duration(6, WD)
    assert DEFAULT_SOP.agency("bawaslu").email == ""


@pytest.mark.parametrize(
    "table, subs, key_named",
    [
        ("not a table", (), "[sop] must be a table"),
        ({"telaa": {"duration": "7 hari kerja"}}, (), "[sop] telaa"),
        ({"telaah": {"durasi": "7 hari kerja"}}, (), "[sop.telaah] durasi"),
        ({"telaah": {"duration": "7 hari"}}, (), "[sop.telaah] duration"),
        ({"telaah": {"duration": "0 hari kerja"}}, (), "[sop.telaah] duration must be more than 0"),
        ({"telaah": "7 hari kerja"}, (), "[sop.telaah] must be a table"),
        ({"menunggu_pelapor": {"durasi": "7 hari kerja"}}, (), "[sop.menunggu_pelapor] durasi"),
        ({"case_limit_reminder": "58 hari kalender"}, (), "[sop] case_limit_reminder"),
        ({"case_limit_escalation": "50 hari kerja"}, (), "[sop] case_limit_reminder"),
        ({"selesai": {"duration": "1 hari kerja"}}, (), "[sop.selesai]"),
        ({"case_limit": "enam puluh hari"}, (), "[sop] case_limit"),
        ({"escalate_again_after": 2}, (), "[sop] escalate_again_after"),
        ({"agencies": {"kejaksaan": {"email": "k@x.id"}}}, (), "[sop.agencies.kejaksaan] name"),
        (
            {"agencies": {"bawaslu": {"email": "not an address"}}},
            (),
            "[sop.agencies.bawaslu] email",
        ),
        ({"agencies": {"bawaslu": {"fax": "1"}}}, (), "[sop.agencies.bawaslu] fax"),
        ({"agencies": {"Bawas Lu": {"name": "x"}}}, (), "[sop.agencies.Bawas Lu]"),
        ({"agencies": {"bawaslu": {"aliases": "panwas"}}}, (), "[sop.agencies.bawaslu] aliases"),
        ({"subdivisions": {"teknis": {"title": "x"}}}, (), "[sop.subdivisions.teknis]"),
        (
            {"subdivisions": {"teknis": {"nama": "x"}}},
            ("teknis",),
            "[sop.subdivisions.teknis] nama",
        ),
        (
            {"subdivisions": {"teknis": {"title": ""}}},
            ("teknis",),
            "[sop.subdivisions.teknis] title",
        ),
    ],
)
def test_config_errors_name_the_key(table, subs, key_named):
    with pytest.raises(ConfigError) as err:
        load_sop(table, subs)
    assert key_named in str(err.value)


def test_the_tanda_terima_timeline_shows_every_task_of_the_chain():
    from dumas.ingest.actions.registrar import TIMELINE_STEPS

    # The branches that end the case at step 4 (forwarding: approval, sending by post; closing
    # as not actionable: approval) are not the chain the reporter waits on.
    branches = (
        "persetujuan_penerusan",
        "pengiriman_penerusan",
        "persetujuan_tidak_ditindaklanjuti",
    )
    tasks = [
        n
        for n, s in DEFAULT_SOP.steps.items()
        if s.has_task and n not in branches and not s.after_closing
    ]
    assert list(TIMELINE_STEPS) == tasks
