"""Reading commands from replies, their arguments, and BANTUAN (workflow.sop.commands.registry, .grammar)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.grammar import key, read_date
from dumas.workflow.sop.commands.registry import COMMANDS, commands_for, help_text, parse_command
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.definition import DEFAULT_SOP, PELAPOR
from dumas.workflow.sop.effects import Actor, CaseState
from dumas.workflow.sop.transitions import Context, Problem

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=WIB)
SOP = load_sop({}, ["teknis", "keuangan"])
CAL = WorkCalendar(holidays={})


def parsed(text: str):
    return parse_command(text.split("\n"))


# --- finding the command --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name, args",
    [
        ("LENGKAP", "LENGKAP", ""),
        ("lengkap", "LENGKAP", ""),
        ("Lèngkáp.", "LENGKAP", ""),
        ("*SETUJU*", "SETUJU", ""),
        ("LENGKAPI fotokopi KTP", "LENGKAPI", "fotokopi KTP"),
        ("disposisi  hukum", "DISPOSISI", "hukum"),
        ("Teruskan: Bawaslu", "TERUSKAN", "Bawaslu"),
        (
            "tidak dapat ditindaklanjuti - bukan wewenang",
            "TIDAK DAPAT DITINDAKLANJUTI",
            "bukan wewenang",
        ),
        (
            "TIDAK DAPAT DITINDAK LANJUTI – bukan wewenang",
            "TIDAK DAPAT DITINDAKLANJUTI",
            "bukan wewenang",
        ),
        (
            "Tidak dapat di-tindaklanjuti: di luar kewenangan",
            "TIDAK DAPAT DITINDAKLANJUTI",
            "di luar kewenangan",
        ),
        ("Bukan Pengaduan, iklan obat", "BUKAN PENGADUAN", "iklan obat"),
        ("berkadar  pengawasan", "BERKADAR PENGAWASAN", ""),
        ("SUB BAGIAN TEKNIS", "SUB BAGIAN", "TEKNIS"),
        ("subbag teknis", "SUB BAGIAN", "teknis"),
        ("Kertas kerja", "KERTAS KERJA", ""),
        ("INVESTIGASI Andi; Rina", "INVESTIGASI", "Andi; Rina"),
        ("KONFLIK SEKRETARIS", "KONFLIK", "SEKRETARIS"),
        ("konflik kepentingan: sekretaris", "KONFLIK", "sekretaris"),
        ("DELEGASI wakil@kpu.example 31-03-2026", "DELEGASI", "wakil@kpu.example 31-03-2026"),
        # English aliases
        ("APPROVE", "SETUJU", ""),
        ("Reject: incomplete", "TOLAK", "incomplete"),
        ("forward bawaslu", "TERUSKAN", "bawaslu"),
        ("help", "BANTUAN", ""),
        ("Complete", "LENGKAP", ""),
        ("not a complaint - advertising", "BUKAN PENGADUAN", "advertising"),
        ("working paper", "KERTAS KERJA", ""),
        ("Delegate a@b.id 2026-04-01", "DELEGASI", "a@b.id 2026-04-01"),
    ],
)
def test_parse_command(text, name, args):
    cmd = parsed(text)
    assert cmd is not None and (cmd.name, cmd.args) == (name, args)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "Lengkapnya sebagai berikut",
        "Baik, LENGKAP",
        "Terima kasih",
        "BERKADAR",
        "sub",
        "Setujukah Bapak?",
        "Yth. Bapak\nSalam\nBerikut ini\nLENGKAP",  # the command comes too late
    ],
)
def test_no_command(text):
    assert parsed(text) is None


def test_command_after_a_greeting_and_the_text_below_it():
    cmd = parsed(
        "Yth. Sekretaris,\n\n  LAPORAN Dugaan tidak terbukti  \nRincian:\n- saksi A\n\nSalam"
    )
    assert (cmd.name, cmd.args) == ("LAPORAN", "Dugaan tidak terbukti")
    assert cmd.text == "Rincian:\n- saksi A\n\nSalam"
    assert cmd.line == "LAPORAN Dugaan tidak terbukti"


def test_every_name_and_alias_reads_back_as_its_command():
    for command in COMMANDS.values():
        for spelling in (command.name, *command.aliases):
            for variant in (spelling, spelling.lower(), f"  {spelling.title()}: x"):
                found = parsed(variant)
                assert found is not None and found.name == command.name, variant


def test_no_two_commands_share_a_spelling():
    spellings = [key(s) for c in COMMANDS.values() for s in (c.name, *c.aliases)]
    assert len(spellings) == len(set(spellings))


# --- BANTUAN ----------------------------------------------------------------------------------


def names(step, role, state=None, sop=SOP):
    return [c.name for c in commands_for(step, role, sop, state)]


REPORTER = ["IDENTITAS BOLEH DIBUKA", "IDENTITAS DIRAHASIAKAN"]


@pytest.mark.parametrize(
    "step, role, expected",
    [
        (
            "verifikasi",
            "desk",
            ["LENGKAP", "LENGKAPI", "BUKAN PENGADUAN", "SPAM", "KONFLIK", "STATUS", "BANTUAN"],
        ),
        ("verifikasi", "sekretaris", ["STATUS", "BANTUAN", "DELEGASI"]),
        (
            "menunggu_pelapor",
            "desk",
            ["LENGKAP", "LENGKAPI", "BUKAN PENGADUAN", "SPAM", "KONFLIK", "STATUS", "BANTUAN"],
        ),
        ("menunggu_pelapor", PELAPOR, ["STATUS", "BANTUAN", *REPORTER]),
        ("disposisi", "sekretaris", ["DISPOSISI", "STATUS", "BANTUAN", "DELEGASI"]),
        ("disposisi", "ketua", ["STATUS", "BANTUAN", "DELEGASI"]),
        (
            "telaah",
            "hukum",
            [
                "BERKADAR PENGAWASAN",
                "TERUSKAN",
                "SUB BAGIAN",
                "TIDAK DAPAT DITINDAKLANJUTI",
                "STATUS",
                "BANTUAN",
            ],
        ),
        (
            "kertas_kerja",
            "hukum",
            ["KERTAS KERJA", "TERUSKAN", "TIDAK DAPAT DITINDAKLANJUTI", "STATUS", "BANTUAN"],
        ),
        ("tindak_lanjut", "hukum", ["INVESTIGASI", "LAPORAN", "STATUS", "BANTUAN"]),
        (
            "persetujuan_investigasi",
            "sekretaris",
            ["SETUJU", "TOLAK", "STATUS", "BANTUAN", "DELEGASI"],
        ),
        ("investigasi", "hukum", ["LAPORAN", "STATUS", "BANTUAN"]),
        ("persetujuan_laporan", "sekretaris", ["SETUJU", "TOLAK", "STATUS", "BANTUAN", "DELEGASI"]),
        ("persetujuan_laporan", "hukum", ["STATUS", "BANTUAN"]),
        ("selesai", "sekretaris", ["STATUS", "BANTUAN", "DELEGASI"]),
        ("selesai", PELAPOR, ["STATUS", "BANTUAN", *REPORTER]),
    ],
)
def test_commands_for(step, role, expected):
    assert names(step, role) == expected


def test_commands_follow_conflict_and_handler():
    conflicted = CaseState(step="disposisi", conflict_role="sekretaris")
    assert "DISPOSISI" in names("disposisi", "ketua", conflicted)
    assert "DISPOSISI" not in names("disposisi", "sekretaris", conflicted)
    teknis = CaseState(step="tindak_lanjut", handler="teknis")
    assert names("tindak_lanjut", "teknis", teknis)[:2] == ["INVESTIGASI", "LAPORAN"]
    assert names("tindak_lanjut", "hukum", teknis) == ["STATUS", "BANTUAN"]


@pytest.mark.parametrize("step", sorted(DEFAULT_SOP.steps))
@pytest.mark.parametrize("role", ["desk", "sekretaris", "hukum", "ketua", PELAPOR])
def test_help_lists_exactly_the_valid_commands_with_examples_that_parse(step, role):
    text = help_text(step, role, SOP)
    valid = commands_for(step, role, SOP)
    listed = [
        line
        for line in text.splitlines()
        if line and not line.startswith(" ") and parse_command([line]) is not None
    ]
    assert [parse_command([line]).name for line in listed] == [c.name for c in valid]
    examples = [line.split("Contoh: ", 1)[1] for line in text.splitlines() if "Contoh: " in line]
    assert [parse_command([e]).name for e in examples] == [c.name for c in valid]
    assert SOP.step(step).title in text


def test_help_for_the_reporter_explains_how_to_complete():
    assert "balas email permintaan kelengkapan" in help_text("menunggu_pelapor", PELAPOR, SOP)
    assert "balas email permintaan kelengkapan" not in help_text("telaah", PELAPOR, SOP)


def test_help_examples_use_the_case():
    state = CaseState(step="telaah", klasifikasi="korupsi")
    assert "Contoh: TERUSKAN APIP" in help_text("telaah", "hukum", SOP, state)
    assert "Contoh: SUB BAGIAN TEKNIS" in help_text("telaah", "hukum", SOP, state)


# --- arguments --------------------------------------------------------------------------------


def run_parse(name, args="", text="", state=None, attachments=(), sop=SOP, role="hukum"):
    ctx = Context(
        state or CaseState(step="telaah"),
        Actor.of(f"{role}@kpu.example", role),
        role,
        NOW,
        sop,
        CAL,
        args=args,
        text=text,
        attachments=attachments,
        help_text=help_text,
    )
    return COMMANDS[name].parse(ctx)


def problem(name, **kw) -> Problem:
    with pytest.raises(Problem) as err:
        run_parse(name, **kw)
    return err.value


@pytest.mark.parametrize(
    "args, agency",
    [
        ("BAWASLU", "bawaslu"),
        ("ke Bawaslu", "bawaslu"),
        ("kepada DKPP", "dkpp"),
        ("Sentra Gakkumdu", "gakkumdu"),
        ("Polri", "gakkumdu"),
        ("KPK", "kpk"),
        ("inspektorat", "apip"),
        ("Ombudsman", "ombudsman"),
        ("Bawaslu Kabupaten Kepulauan Mentawai", "bawaslu"),
        ("Sentra Penegakan Hukum Terpadu", "gakkumdu"),
        ("Dewan Kehormatan Penyelenggara Pemilu", "dkpp"),
    ],
)
def test_teruskan_matches_the_forwarding_table(args, agency):
    found, _, _ = run_parse("TERUSKAN", args, attachments=("lht.pdf",))
    assert found.key == agency


def test_teruskan_keeps_the_reason_and_wants_a_report():
    found, reason, report = run_parse("TERUSKAN", "Bawaslu dugaan politik uang", "Telaah: ...")
    assert (found.key, reason) == ("bawaslu", "dugaan politik uang")
    assert "Telaah" in report
    assert problem("TERUSKAN", args="Bawaslu").reason == "missing_report"


def test_teruskan_without_or_with_an_unknown_agency_suggests_one():
    state = CaseState(step="telaah", klasifikasi="pelanggaran pemilu")
    missing = problem("TERUSKAN", state=state, attachments=("x.pdf",))
    assert missing.reason == "missing_argument" and "TERUSKAN BAWASLU" in missing.message
    unknown = problem("TERUSKAN", args="Kejaksaan", state=state, attachments=("x.pdf",))
    assert unknown.reason == "invalid_argument" and "DKPP" in unknown.message
    assert "TERUSKAN BAWASLU" in unknown.message


@pytest.mark.parametrize(
    "args, text, sub, note",
    [
        ("", "", "hukum", ""),
        ("", "Mohon segera\ndiselesaikan\n\nSalam", "hukum", "Mohon segera diselesaikan"),
        ("HUKUM", "", "hukum", ""),
        ("hukum: mohon ditelaah", "", "hukum", "mohon ditelaah"),
        ("ke Sub Bagian Teknis - segera", "", "teknis", "segera"),
        ("Keuangan cek anggaran", "", "keuangan", "cek anggaran"),
        ("Sub Bagian Keuangan, Umum dan Logistik", "", "keuangan", ""),
    ],
)
def test_disposisi_arguments(args, text, sub, note):
    found, found_note = run_parse("DISPOSISI", args, text, role="sekretaris")
    assert (found.key, found_note) == (sub, note)


def test_disposisi_to_an_unknown_sub_division_is_refused():
    err = problem("DISPOSISI", args="Mohon ditelaah", role="sekretaris")
    assert err.reason == "invalid_argument" and "HUKUM, TEKNIS, KEUANGAN" in err.message
    assert problem("DISPOSISI", args="teknis", sop=DEFAULT_SOP).reason == "invalid_argument"


@pytest.mark.parametrize(
    "args, role",
    [
        ("SEKRETARIS", "sekretaris"),
        ("Ketua KPU", "ketua"),
        ("kasubbag hukum", "hukum"),
        ("hukum", "hukum"),
        ("teknis", "teknis"),
    ],
)
def test_konflik_roles(args, role):
    assert run_parse("KONFLIK", args, role="desk") == role


@pytest.mark.parametrize(
    "args, reason",
    [("", "missing_argument"), ("desk", "invalid_argument"), ("bupati", "invalid_argument")],
)
def test_konflik_refusals(args, reason):
    assert problem("KONFLIK", args=args, role="desk").reason == reason


@pytest.mark.parametrize(
    "args, expected",
    [
        ("wakil@kpu.example sampai 31-03-2026", ("wakil@kpu.example", date(2026, 3, 31))),
        ("Wakil@KPU.example s.d. 31 Maret 2026", ("wakil@kpu.example", date(2026, 3, 31))),
        ("sampai 2026-04-02 wakil@kpu.example", ("wakil@kpu.example", date(2026, 4, 2))),
        ("wakil@kpu.example hingga 6/3/2026", ("wakil@kpu.example", date(2026, 3, 6))),  # today
    ],
)
def test_delegasi_arguments(args, expected):
    assert run_parse("DELEGASI", args, role="sekretaris") == expected


@pytest.mark.parametrize(
    "args, reason",
    [
        ("31-03-2026", "missing_argument"),
        ("wakil@kpu.example", "missing_argument"),
        ("wakil@kpu.example sampai besok", "missing_argument"),
        ("wakil@kpu.example 5-3-2026", "invalid_argument"),  # yesterday
        ("wakil@kpu.example 31-12-2027", "invalid_argument"),  # more than a year
    ],
)
def test_delegasi_refusals(args, reason):
    assert problem("DELEGASI", args=args, role="sekretaris").reason == reason


def test_report_commands_want_an_attachment_or_text():
    assert problem("BERKADAR PENGAWASAN").reason == "missing_report"
    assert run_parse("BERKADAR PENGAWASAN", attachments=("lht.pdf",)) == ""
    assert run_parse("BERKADAR PENGAWASAN", text="Hasil telaah: ...") == "Hasil telaah: ..."
    assert problem("LAPORAN").reason == "missing_report"
    assert run_parse("LAPORAN", "terbukti") == ("terbukti", "")
    assert problem("KERTAS KERJA", text="terlampir").reason == "missing_attachment"
    assert problem("SUB BAGIAN", args="teknis").reason == "missing_report"


def test_investigasi_team_from_the_lines_below():
    assert (
        run_parse("INVESTIGASI", text="Andi\nRina (rina@kpu.example)\n\nSalam")
        == "Andi\nRina (rina@kpu.example)"
    )
    assert problem("INVESTIGASI").reason == "missing_argument"


def test_sub_bagian_must_name_another_sub_division():
    assert problem("SUB BAGIAN", attachments=("x",)).reason == "missing_argument"
    assert problem("SUB BAGIAN", args="hukum", attachments=("x",)).reason == "invalid_argument"
    assert problem("SUB BAGIAN", args="gudang", attachments=("x",)).reason == "invalid_argument"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-03-31", date(2026, 3, 31)),
        ("31-03-2026", date(2026, 3, 31)),
        ("31/3/2026", date(2026, 3, 31)),
        ("31.03.2026", date(2026, 3, 31)),
        ("31 Maret 2026", date(2026, 3, 31)),
        ("1 Agt 2026", date(2026, 8, 1)),
        ("2 Nopember 2026", date(2026, 11, 2)),
        ("17 Aug. 2026", date(2026, 8, 17)),
        ("30-02-2026", None),
        ("31 Foo 2026", None),
        ("besok", None),
    ],
)
def test_parse_date(text, expected):
    assert read_date(text) == expected
