"""The base of the reply commands: the parsed form of a command and the `Command` class.

A command is a small class: `name` (canonical, Indonesian), `aliases` (English and variants),
`args` (Indonesian description of its arguments: <required>, [optional]), `summary` and `example`
(Indonesian, for BANTUAN), `parse(ctx)` which reads and checks the arguments and attachments
(raising `Problem`, which becomes a refusal), and `process(ctx, args) -> Decision`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from dumas.workflow.sop.commands.grammar import note_of
from dumas.workflow.sop.definition import Sop
from dumas.workflow.sop.effects import CaseState, Decision
from dumas.workflow.sop.transitions import Context, Problem


@dataclass(frozen=True)
class ParsedCommand:
    """A command as read from a reply: canonical `name`, the rest of its line (`args`), the line
    as written, and the reply's lines after it (`text`: a written report, notes...)."""

    name: str
    args: str = ""
    line: str = ""
    text: str = ""


class Command:
    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    args: ClassVar[str] = ""  # Indonesian, e.g. "<alasan>"; [..] optional
    summary: ClassVar[str] = ""  # Indonesian: what it does
    example: ClassVar[str] = ""

    def parse(self, ctx: Context) -> Any:
        return None

    def process(self, ctx: Context, args: Any) -> Decision:
        raise NotImplementedError

    def usage(self) -> str:
        return f"{self.name} {self.args}".strip()

    def describe(self, step: str) -> str:
        return self.summary

    def example_for(self, sop: Sop, state: CaseState) -> str:
        return self.example

    def need_text(self, ctx: Context, what: str) -> str:
        text = note_of(ctx.args, ctx.text)
        if not text:
            raise Problem(
                "missing_argument",
                f"Perintah {self.name} perlu disertai {what}. Contoh: {self.example}",
            )
        return text

    def need_report(self, ctx: Context, extra: str = "") -> str:
        """The written report (may be ""), insisting on an attachment or some text."""
        text = "\n".join(t for t in (extra, ctx.text.strip()) if t)
        if not ctx.attachments and not text:
            raise Problem(
                "missing_report",
                f"Perintah {self.name} perlu disertai laporan: lampirkan berkasnya pada "
                f"balasan ini, atau tuliskan isinya di bawah baris perintah.",
            )
        return text


def paragraph_lines(text: str) -> str:
    """The first block of non-empty lines, one per line (a team listed line by line)."""
    first = text.strip().split("\n\n", 1)[0] if text.strip() else ""
    return "\n".join(line.strip() for line in first.splitlines() if line.strip())
