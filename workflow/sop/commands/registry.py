"""The reply commands: the registry, reading a command from a reply, and the BANTUAN text.

Commands are Indonesian first with English aliases, matched case- and accent-insensitively as
words at the start of one of the first non-empty lines of the reply (the caller has already
removed quoted text and signatures). The step commands are in `workflow.sop.commands.verifikasi` (steps
2-3) and `workflow.sop.commands.telaah` (steps 4-7); STATUS, BANTUAN (any role, any step) and DELEGASI
(Sekretaris, Ketua) are here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from dumas.workflow.sop.commands.base import Command, ParsedCommand
from dumas.workflow.sop.commands.grammar import EMAIL, match_start, read_date, strip_words
from dumas.workflow.sop.commands.pelapor import REPORTER_COMMANDS
from dumas.workflow.sop.commands.telaah import REVIEW_COMMANDS
from dumas.workflow.sop.commands.verifikasi import INTAKE_COMMANDS
from dumas.workflow.sop.definition import DEFAULT_SOP, DELEGATING_ROLES, PELAPOR, Sop
from dumas.workflow.sop.effects import (
    CancelDelegation,
    CaseState,
    Decision,
    Delegate,
    Notify,
    Record,
    Transcript,
)
from dumas.workflow.sop.names import Role, StepName
from dumas.workflow.sop.transitions import (
    REPORTER_LETTERS,
    SURAT_PELAPOR,
    Context,
    Problem,
    case_deadline,
    letter_errand,
    stay_token,
    when,
    when_date,
)
from dumas.workflow.sop.waits import days_left, wait_deadline

# How many non-empty lines may come before the command ("Yth. Bapak," and the like).
COMMAND_LINES = 3
# The core's outer bound; the office's own, shorter limit (`[roles] max_delegation_days`) and
# the allowed domains are checked by the reply handler, which reads the settings.
MAX_DELEGATION_DAYS = 366
# `DELEGASI BATAL` (or CANCEL): the principal ends their delegations for the role at once.
_CANCEL_WORDS = {"BATAL": ("batal", "batalkan", "cancel", "stop", "akhiri")}
_PUBLIC_STATUS = (
    "number",
    "subject",
    "step_number",
    "step_title",
    "status",
    "complete_at",
    "batas_akhir",
    "batas_akhir_text",
    "batas_akhir_tanggal",
    "closed_at",
)


class Status(Command):
    name, aliases, example = "STATUS", ("CEK STATUS",), "STATUS"
    summary = "Meminta keterangan tahap, riwayat, dan batas waktu pengaduan ini."

    def process(self, ctx: Context, args: None) -> Decision:
        st, step = ctx.state, ctx.step
        limit = case_deadline(st.complete_at, ctx.sop, ctx.calendar)
        wait = wait_deadline(st, ctx.sop, ctx.calendar) if step.role == PELAPOR else None
        waiting = (
            ""
            if step.terminal
            else ctx.sop.role_title(
                ctx.sop.acting_role(step.name, st.handler, st.conflict_role)
                if step.role != PELAPOR
                else PELAPOR
            )
        )
        context = {
            "number": st.number,
            "subject": st.subject,
            "step": step.name,
            "step_number": step.number,
            "step_title": step.title,
            "status": step.status,
            "waiting_on": waiting,
            "due_at": st.task_due_at,
            "due_text": when(st.task_due_at, ctx.calendar)
            if st.task_due_at and not step.terminal
            else "",
            "surat_pelapor": _reporter_letter(st, ctx),
            "complete_at": st.complete_at,
            "batas_akhir": limit,
            "batas_akhir_text": when(limit, ctx.calendar) if limit else "",
            # The reporter's copy: a date, no clock time (citizens are told days, not hours).
            "batas_akhir_tanggal": when_date(limit, ctx.calendar) if limit else "",
            "hari_kerja_dipakai": ctx.calendar.working_days_used(
                st.complete_at, st.closed_at or ctx.now
            )
            if st.complete_at
            else None,
            "closed_at": st.closed_at,
            # What remains of the Perpres limit, in its kind of day (negative: days late).
            "sisa_hari": days_left(limit, ctx.now, ctx.sop, ctx.calendar)
            if limit and not st.closed_at
            else None,
            "satuan_hari": ctx.sop.case_limit.label.split(" ", 1)[1],
            "batas_pelapor_text": when(wait, ctx.calendar) if wait else "",
        }
        template = "status"
        if ctx.role == PELAPOR:  # the reporter sees where the case is, nothing internal
            template = "status_pelapor"
            context = {k: context[k] for k in _PUBLIC_STATUS}
        return Decision(
            st, (Notify(template, ctx.actor.address, context, reply_token=stay_token(st, ctx)),)
        )


def _reporter_letter(st: CaseState, ctx: Context) -> str:
    """The letter to a reporter without email, as STATUS says it: not yet sent until the desk's
    TERKIRIM ("" when there is none)."""
    letter = st.data.get(SURAT_PELAPOR)
    if not isinstance(letter, dict):
        return ""
    title = REPORTER_LETTERS.get(str(letter.get("surat")), "Surat")
    if not letter.get("terkirim"):
        due = f", batas waktu {when(st.task_due_at, ctx.calendar)}" if st.task_due_at else ""
        return (
            f"{title}: BELUM TERKIRIM (Desk Pelayanan mengirimkannya melalui pos atau "
            f"langsung{due})"
        )
    at = str(letter.get("pada") or "")
    sent = when(datetime.fromisoformat(at), ctx.calendar) if at else "-"
    how = f" ({letter['keterangan']})" if letter.get("keterangan") else ""
    return f"{title}: terkirim {sent}{how}"


class Bantuan(Command):
    name, aliases, example = "BANTUAN", ("HELP", "TOLONG"), "BANTUAN"
    summary = "Meminta daftar perintah yang dapat Anda gunakan sekarang."

    def process(self, ctx: Context, args: None) -> Decision:
        # On a closed case whose letter the desk has yet to send, the desk's commands are those
        # of that task (TERKIRIM).
        errand = letter_errand(ctx.state, ctx.sop)
        step = errand.name if errand is not None else ctx.state.step
        text = help_text(step, ctx.role, ctx.sop, ctx.state)
        return Decision(
            ctx.state,
            (
                Notify(
                    "bantuan",
                    ctx.actor.address,
                    {"number": ctx.state.number, "help": text},
                    reply_token=stay_token(ctx.state, ctx),
                ),
            ),
        )


class Delegasi(Command):
    name, aliases, args = "DELEGASI", ("DELEGATE",), "<alamat email> <sampai tanggal>"
    summary = (
        "Menunjuk pelaksana harian yang bertindak atas nama Anda sampai tanggal tertentu "
        "(hanya Sekretaris dan Ketua); DELEGASI BATAL mengakhiri penunjukan Anda saat itu juga."
    )
    example = "DELEGASI wakil@kpu.example sampai 31-03-2026"

    def parse(self, ctx: Context) -> tuple[str, date] | None:
        """(deputy, last day), or None for DELEGASI BATAL."""
        cancel = match_start(ctx.args, _CANCEL_WORDS)
        if cancel is not None and not cancel.rest.strip():
            return None
        found = EMAIL.search(ctx.args)
        if not found:
            raise Problem(
                "missing_argument",
                "Perintah DELEGASI perlu disertai alamat email "
                f"pelaksana dan tanggal akhir. Contoh: {self.example}",
            )
        rest = (ctx.args[: found.start()] + " " + ctx.args[found.end() :]).strip()
        day = read_date(
            strip_words(
                rest, ("sampai dengan", "sampai", "hingga", "s d", "sd", "until", "tanggal", "tgl")
            )
        )
        today = ctx.calendar.local_date(ctx.now)
        if day is None:
            raise Problem(
                "missing_argument",
                "Tanggal akhir delegasi tidak terbaca. Tulis "
                f"misalnya 31-03-2026 atau 31 Maret 2026. "
                f"Contoh: {self.example}",
            )
        if not 0 <= (day - today).days <= MAX_DELEGATION_DAYS:
            raise Problem(
                "invalid_argument",
                "Tanggal akhir delegasi harus antara hari ini dan satu tahun ke depan.",
            )
        return found[0].lower(), day

    def process(self, ctx: Context, args: tuple[str, date] | None) -> Decision:
        if args is None:
            return self._cancel(ctx)
        address, day = args
        until = ctx.calendar.end_of_day(day)
        title = ctx.sop.role_title(ctx.role)
        line = f"{address} dapat bertindak sebagai {title} sampai {day:%d-%m-%Y} (akhir hari)."
        told = {
            "role": ctx.role,
            "role_title": title,
            "until": until,
            "until_date": day.isoformat(),
            "granted_by": ctx.actor.address,
            "deputy": address,
        }
        return Decision(
            ctx.state,
            (
                Delegate(ctx.role, address, until, ctx.actor.address),
                # The principal and the Ketua hear of every delegation and how to end it: a
                # delegation nobody notices is how a leaked role stays leaked.
                *(Notify("delegasi_konfirmasi", to, told) for to in _principal_and_ketua(ctx)),
                Notify(
                    "delegasi",
                    address,
                    {
                        "role": ctx.role,
                        "role_title": title,
                        "until": until,
                        "until_date": day.isoformat(),
                        "granted_by": ctx.actor.address,
                    },
                ),
                Record(
                    "delegasi",
                    line,
                    {"role": ctx.role, "address": address, "until": until.isoformat()},
                ),
                Transcript(
                    ctx.actor.address,
                    (f"Dilaksanakan: {ctx.line or self.name}", line),
                    stay_token(ctx.state, ctx),
                ),
            ),
        )

    def _cancel(self, ctx: Context) -> Decision:
        # Whoever holds the role ends every delegation of it, also one a predecessor gave; the
        # Ketua, told of every delegation "reply DELEGASI BATAL if it was never given", ends
        # them all: a delegation the principal did not give must not outlive the alarm.
        everything = ctx.role == Role.KETUA
        title = ctx.sop.role_title(ctx.role)
        scope = "semua peran" if everything else title
        line = (
            f"Semua penunjukan pelaksana harian ({scope}) diakhiri oleh {ctx.actor.address} "
            "saat ini; pelaksana tidak lagi dapat memutuskan."
        )
        told = {
            "role": ctx.role,
            "role_title": title,
            "granted_by": ctx.actor.address,
            "scope": scope,
        }
        return Decision(
            ctx.state,
            (
                CancelDelegation(None if everything else ctx.role, ctx.actor.address),
                *(Notify("delegasi_batal", to, told) for to in _principal_and_ketua(ctx)),
                Record("delegasi_batal", line, {"role": ctx.role, "by": ctx.actor.address}),
                Transcript(
                    ctx.actor.address,
                    (f"Dilaksanakan: {ctx.line or self.name}", line),
                    stay_token(ctx.state, ctx),
                ),
            ),
        )


def _principal_and_ketua(ctx: Context) -> tuple[str, ...]:
    """Who is told of a delegation: the principal, and the Ketua unless that is who delegated."""
    return (ctx.actor.address,) + (() if ctx.role == Role.KETUA else (str(Role.KETUA),))


GENERAL_COMMANDS: tuple[Command, ...] = (Status(), Bantuan(), Delegasi())
COMMANDS: dict[str, Command] = {
    c.name: c for c in INTAKE_COMMANDS + REVIEW_COMMANDS + GENERAL_COMMANDS + REPORTER_COMMANDS
}
_TABLE = {c.name: (c.name, *c.aliases) for c in COMMANDS.values()}


def parse_command(lines: Iterable[str]) -> ParsedCommand | None:
    """The command of a reply, read from its first non-empty lines, or None if there is none."""
    lines = list(lines)
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = match_start(line, _TABLE)
        if m is not None:
            # Only trailing space goes: a blank line right under the command ends its note
            # (`grammar.note_of`), so it must reach the command.
            text = "\n".join(lines[i + 1 :]).rstrip()
            return ParsedCommand(m.name, m.rest, " ".join(line.split()).strip(" *"), text)
        seen += 1
        if seen >= COMMAND_LINES:
            return None
    return None


def is_delegation_cancel(command: ParsedCommand | None) -> bool:
    """Whether the reply is DELEGASI BATAL (it only takes power away, so it needs no task
    token; the reply handler still asks for the strongest proof of sender)."""
    if command is None or command.name != Delegasi.name:
        return False
    found = match_start(command.args, _CANCEL_WORDS)
    return found is not None and not found.rest.strip()


def commands_for(
    step: str, role: str, sop: Sop = DEFAULT_SOP, state: CaseState | None = None
) -> tuple[Command, ...]:
    """Exactly the commands `role` may give now at `step` (in the order of the SOP)."""
    state = state or CaseState(step=step)
    here = sop.step(step)
    mine = (
        role != PELAPOR
        and not here.terminal
        and role == sop.acting_role(step, state.handler, state.conflict_role)
    )
    out = [COMMANDS[n] for n in here.commands] if mine else []
    out += [COMMANDS["STATUS"], COMMANDS["BANTUAN"]]
    if role in DELEGATING_ROLES:
        out.append(COMMANDS["DELEGASI"])
    if role == PELAPOR:  # consent to share their identity, or taking it back (pelapor.py)
        out += REPORTER_COMMANDS
    return tuple(out)


def help_text(step: str, role: str, sop: Sop = DEFAULT_SOP, state: CaseState | None = None) -> str:
    """The BANTUAN answer, in Indonesian: the commands valid for `role` now, an example each."""
    state = state or CaseState(step=step)
    here = sop.step(step)
    out = [f"Tahap pengaduan saat ini: {here.title}."]
    if role == PELAPOR and here.name == StepName.MENUNGGU_PELAPOR:
        out.append(
            "Untuk melengkapi pengaduan, balas email permintaan kelengkapan dengan "
            "keterangan dan lampiran yang diminta."
        )
    out += ["", "Perintah yang dapat Anda gunakan sekarang:", ""]
    for c in commands_for(step, role, sop, state):
        out += [c.usage(), f"  {c.describe(step)}", f"  Contoh: {c.example_for(sop, state)}", ""]
    out.append(
        "Tulis perintah pada baris pertama balasan, di atas kutipan email. Huruf besar "
        "atau kecil tidak berpengaruh; tanda <...> wajib diisi, [...] boleh dikosongkan."
    )
    return "\n".join(out)
