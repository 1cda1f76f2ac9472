"""Commands and their notes read from replies in every quote-header shape of reply_shapes.py.

What is measured is what the reply handler records: `reply_text` -> `command_lines` ->
`parse_command`, and the note as the commands take it (`grammar.note_of`).
"""

from __future__ import annotations

import pytest

from dumas.ingest.mail.replytext import command_lines, reply_text
from dumas.workflow.sop.commands.grammar import note_of
from dumas.workflow.sop.commands.registry import parse_command
from tests.unit.ingest.mail.reply_shapes import SHAPES, Shape


@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
def test_command_and_note(shape: Shape) -> None:
    command = parse_command(command_lines(reply_text(shape.text, shape.html)))
    assert (command.name if command else None) == shape.command
    assert (note_of(command.args, command.text) if command else "") == shape.note


def test_enough_shapes() -> None:
    assert len(SHAPES) >= 30
    assert sum(s.command is None for s in SHAPES) >= 10  # replies that must decide nothing


@pytest.mark.parametrize(
    "reply, lines",
    [
        (
            "Yth. Bapak,\n\nTOLAK\nSaksi belum diperiksa.\n\nSalam",
            ["TOLAK", "Saksi belum diperiksa.", "", "Salam"],
        ),
        ("SETUJU\n---\nRina", ["SETUJU", "", "Rina"]),
        ("\n\n\nLENGKAP\n\n\n\nok", ["LENGKAP", "", "ok"]),
    ],
)
def test_command_lines_keep_paragraph_breaks(reply: str, lines: list[str]) -> None:
    assert command_lines(reply) == lines


@pytest.mark.parametrize(
    "rest, text, note",
    [
        ("", "\nFooter", ""),
        ("Catatan", "lanjut\n\nlain", "Catatan lanjut"),
        ("", "Baris satu\nbaris dua", "Baris satu baris dua"),
        ("Satu", "", "Satu"),
    ],
)
def test_note_of(rest: str, text: str, note: str) -> None:
    assert note_of(rest, text) == note


def test_headers_and_boilerplate_stay_linear() -> None:
    # Long hostile lines shaped like the starts of our header and banner patterns.
    import time

    for line in (
        "-" * 40_000,
        "On " + "x " * 20_000,
        "From: " + "a:" * 20_000,
        "2026-11-02 9:20 " + ":" * 40_000,
        "Hati-hati " * 5000,
    ):
        started = time.perf_counter()
        reply_text("SETUJU\n" + line + "\n> kutipan")
        assert time.perf_counter() - started < 1.0
