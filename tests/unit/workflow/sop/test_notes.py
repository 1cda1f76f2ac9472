"""A command's note is what the person typed (issue 10 item 6), and the transcript says it back.

The reply reader hands the command parser the reply's lines with paragraph breaks kept
(`ingest.mail.replytext.command_lines`); here those lines are written out directly.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.registry import parse_command
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.effects import Actor, CaseState, Notify, Transcript, UpdateCase
from dumas.workflow.sop.machine import decide

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=WIB)
SOP = load_sop({}, [])
CAL = WorkCalendar()


def _state(step: str) -> CaseState:
    return CaseState(
        step=step,
        number="001/PGD/III/2026",
        subject="Petugas meminta uang",
        pelapor_email="warga@example.id",
        tim="Andi (andi@kpu.example); Rina",
        received_at=NOW,
        complete_at=NOW,
    )


def _reply(step: str, role: str, lines: list[str]):
    actor = Actor.of(f"{role}@kpu.example", role)
    return decide(_state(step), parse_command(lines), actor, NOW, SOP, CAL, ())


def test_a_note_runs_to_the_first_blank_line_and_is_said_back():
    d = _reply(
        "persetujuan_laporan",
        "sekretaris",
        ["TOLAK Kesimpulan belum didukung bukti;", "mohon lengkapi keterangan saksi.", "", "Rina"],
    )
    note = "Kesimpulan belum didukung bukti; mohon lengkapi keterangan saksi."
    assert d.of_type(UpdateCase)[0].data == {"catatan_laporan": note}
    (transcript,) = d.of_type(Transcript)
    assert f"Dikembalikan dengan catatan: {note}" in transcript.lines


def test_a_bare_setuju_above_a_blank_line_records_no_note():
    d = _reply(
        "persetujuan_investigasi", "sekretaris", ["SETUJU", "", "Terima kasih atas kerjanya"]
    )
    assert "catatan_investigasi" not in d.of_type(UpdateCase)[0].data
    (transcript,) = d.of_type(Transcript)
    assert not any("Terima kasih" in line for line in transcript.lines)


def test_a_note_under_the_command_line_is_quoted_back_in_the_transcript():
    d = _reply("persetujuan_investigasi", "sekretaris", ["SETUJU", "Tim berangkat Senin.", ""])
    (transcript,) = d.of_type(Transcript)
    assert "Catatan yang dicatat: Tim berangkat Senin." in transcript.lines


def test_the_approver_is_told_what_the_reporter_was_told():
    d = _reply("persetujuan_laporan", "sekretaris", ["SETUJU Pengaduan tidak terbukti."])
    told = [n for n in d.of_type(Notify) if n.template == "hasil"]
    assert told[0].context["ringkasan"] == "Pengaduan tidak terbukti."
    (transcript,) = d.of_type(Transcript)
    assert (
        "Pelapor diberi tahu hasil penanganan dengan ringkasan: Pengaduan tidak terbukti."
        in transcript.lines
    )
