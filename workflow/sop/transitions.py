"""The building blocks of a decision: moving a case to a step, opening its task, telling people.

Commands (`workflow.sop.commands.registry`) describe what is particular to them; `advance` adds what every
move has in common — close the old task, update the case, open the next task and send it to the
role with a reply token, record the event, answer the actor with a transcript.

The commands are built on this module, so it does not import them: the one thing it needs from
them, the BANTUAN text that goes with every task notice, comes in as a `HelpText` function
(`Context.help_text`, or the `help_text=` argument of `task_for` and `task_notice`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from dumas.workflow.formatting import BULAN, HARI, ZONE_LABELS
from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.definition import PELAPOR, Sop, Step
from dumas.workflow.sop.effects import (
    Actor,
    CaseState,
    CloseTask,
    Decision,
    Effect,
    FileAttachments,
    Notify,
    OpenTask,
    Record,
    RenderDocument,
    TokenFor,
    Transcript,
    UpdateCase,
)
from dumas.workflow.sop.names import Role, StepName

# `help_text(step, role, sop, state)`: the commands `role` may give now, as the BANTUAN text
# (`workflow.sop.commands.registry.help_text`, given by the caller).
HelpText = Callable[[str, str, Sop, CaseState], str]
# Columns of `Pengaduan` that mirror a CaseState field of the same name.
_MIRRORED = (
    "step",
    "conflict_role",
    "disposisi_to",
    "tim",
    "forwarded_to",
    "complete_at",
    "closed_at",
)


class Problem(Exception):
    """A command's arguments or attachments do not fit: becomes a Refusal."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Context:
    """Everything a command's `parse` and `process` may look at."""

    state: CaseState
    actor: Actor
    role: str  # the role the actor acts as here
    now: datetime
    sop: Sop
    calendar: WorkCalendar
    args: str = ""
    text: str = ""  # the reply's lines after the command line
    line: str = ""  # the command as written
    attachments: tuple[str, ...] = ()
    help_text: HelpText = field(kw_only=True)  # for the task notice of the next step

    @property
    def step(self) -> Step:
        return self.sop.step(self.state.step)

    @property
    def case_label(self) -> str:
        return f"Pengaduan {self.state.number}" if self.state.number else "Pengaduan"

    def when(self, at: datetime | None) -> str:
        return when(at, self.calendar)


def when(at: datetime | None, calendar: WorkCalendar) -> str:
    """ "Selasa, 17 Maret 2026 pukul 16.00 WIB" in the office's zone ("-" for None). Midnight is
    written as the end of the day before ("pukul 24.00"), as official deadlines are."""
    if at is None:
        return "-"
    local = at.astimezone(calendar.zone)
    clock = f"{local:%H.%M}"
    if clock == "00.00":
        local, clock = local - timedelta(days=1), "24.00"
    zone = ZONE_LABELS.get(str(calendar.zone.key), local.tzname() or "")
    return (
        f"{HARI[local.weekday()]}, {local.day} {BULAN[local.month - 1]} {local.year} "
        f"pukul {clock} {zone}"
    ).rstrip()


def when_date(at: datetime | None, calendar: WorkCalendar) -> str:
    """The last day of a deadline for a citizen, without a clock time: "Selasa, 17 Maret 2026"
    (a deadline at midnight is the day before, as in `when`)."""
    return when(at, calendar).split(" pukul ", 1)[0]


def utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the workflow; pass an aware UTC time")
    return at.astimezone(UTC)


@overload
def case_deadline(complete_at: datetime, sop: Sop, calendar: WorkCalendar) -> datetime: ...
@overload
def case_deadline(complete_at: None, sop: Sop, calendar: WorkCalendar) -> None: ...
@overload
def case_deadline(
    complete_at: datetime | None, sop: Sop, calendar: WorkCalendar
) -> datetime | None: ...
def case_deadline(
    complete_at: datetime | None, sop: Sop, calendar: WorkCalendar
) -> datetime | None:
    """The Perpres 76/2013 outer limit of a case whose file was complete at `complete_at`."""
    return calendar.add(complete_at, sop.case_limit) if complete_at else None


def task_for(
    state: CaseState,
    step_name: str,
    now: datetime,
    sop: Sop,
    calendar: WorkCalendar,
    note: str = "",
    extra: Mapping[str, Any] | None = None,
    *,
    help_text: HelpText | None,
) -> tuple[OpenTask, Notify] | tuple[()]:
    """Open the task of `step_name` and send it, with its documents and a reply token
    (`help_text` None: the applier writes the BANTUAN text, as for any email with a token)."""
    step = sop.step(step_name)
    if not step.has_task or step.duration is None:  # has_task implies a duration
        return ()
    role = sop.acting_role(step_name, state.handler, state.conflict_role)
    due = calendar.add(now, step.duration)
    remind = calendar.subtract(due, step.remind_before) if step.remind_before else None
    if remind is not None and remind <= now:
        remind = None
    return (
        OpenTask(step.name, role, due, remind),
        task_notice(
            state, step.name, role, due, role, sop, calendar, note, extra, help_text=help_text
        ),
    )


def task_notice(
    state: CaseState,
    step_name: str,
    role: str,
    due: datetime,
    to: str,
    sop: Sop,
    calendar: WorkCalendar,
    note: str = "",
    extra: Mapping[str, Any] | None = None,
    *,
    help_text: HelpText | None,
) -> Notify:
    """The "tugas" email of an open task, to `to` (its role, or a deputy who now acts for it)."""
    step = sop.step(step_name)
    context = {
        "number": state.number,
        "subject": state.subject,
        "step": step.name,
        "step_number": step.number,
        "step_title": step.title,
        "ask": step.ask,
        "role": role,
        "role_title": sop.role_title(role),
        "due_at": due,
        "due_text": when(due, calendar),
        "note": note,
        **({"help": help_text(step.name, role, sop, state)} if help_text else {}),
        **(extra or {}),
    }
    return Notify("tugas", to, context, step.inputs, TokenFor(step.name, role))


def state_fields(old: CaseState, new: CaseState, sop: Sop) -> dict[str, Any]:
    """The `Pengaduan` columns that change between two snapshots (plus the coarse status)."""
    fields = {f: getattr(new, f) for f in _MIRRORED if getattr(new, f) != getattr(old, f)}
    if new.step != old.step:
        fields["status"] = sop.step(new.step).status
    return fields


def advance(
    ctx: Context,
    outcome: str,
    *,
    changes: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    effects: Iterable[Effect] = (),
    notes: Iterable[str] = (),
    note: str = "",
    task_extra: Mapping[str, Any] | None = None,
) -> Decision:
    """Move the case along `ctx.step.transitions[outcome]` and build the whole decision.

    `changes` alter the CaseState, `fields`/`data` add `Pengaduan` columns/data keys, `effects`
    go between the case update and the new task (documents to render, notifications), `notes`
    are extra transcript lines, `note` is passed to the next role with the task.
    """
    notes = tuple(notes)  # read twice: shown, and checked for the note (`_note_back`)
    old, step = ctx.state, ctx.step
    target = ctx.sop.step(step.transitions[outcome])
    new = replace(old, step=target.name, **(changes or {}))
    if data:
        new = replace(new, data={**old.data, **data})
    if target.terminal and target.name != old.step:
        new = replace(new, closed_at=ctx.now, task_due_at=None)
    out: list[Effect] = []
    moving = target.name != old.step
    if moving and step.has_task:
        out.append(CloseTask(step.name, outcome.lower().replace(" ", "_"), ctx.actor.address))
    out.append(UpdateCase({**state_fields(old, new, ctx.sop), **(fields or {})}, dict(data or {})))
    if ctx.attachments:
        out.append(FileAttachments(step.name))
    # A letter for a reporter without email becomes the desk's task (`for_reporter`).
    effects = for_reporter(old, effects, ctx.now, ctx.sop, ctx.calendar)
    out.extend(effects)
    errands = [e for e in effects if isinstance(e, OpenTask) and e.step == LETTER_ERRAND]
    if errands:
        letter = next(
            e.data for e in effects if isinstance(e, UpdateCase) and SURAT_PELAPOR in e.data
        )
        new = replace(new, data={**new.data, SURAT_PELAPOR: letter[SURAT_PELAPOR]})
        notes = (
            *notes,
            "Pelapor tidak mempunyai alamat email: surat untuk pelapor dicetak dan dikirim oleh "
            f"Desk Pelayanan (batas waktu {ctx.when(errands[0].due_at)}); tercatat belum "
            "terkirim sampai Desk Pelayanan membalas TERKIRIM.",
        )
    task = (
        task_for(
            new,
            target.name,
            ctx.now,
            ctx.sop,
            ctx.calendar,
            note,
            task_extra,
            help_text=ctx.help_text,
        )
        if moving
        else ()
    )
    if moving:
        new = replace(new, task_due_at=task[0].due_at if task else None)
    out.extend(task)
    if moving and target.terminal and outcome != "SPAM" and ctx.role != Role.KETUA:
        out.extend(closure_notice(new, ctx.sop, ctx.calendar))
    if task and _goes_back(old.step, target.name, ctx.sop):
        out.append(_restarted(ctx, outcome, target, task[0]))
    line = f"Dilaksanakan: {ctx.line or outcome}"
    out.append(
        Record(
            "keputusan",
            line,
            {
                "command": outcome,
                "from": old.step,
                "to": target.name,
                "role": ctx.role,
                "by": ctx.actor.address,
            },
        )
    )
    out.append(
        Transcript(
            ctx.actor.address,
            (line, *notes, *_note_back(note, line, notes), next_line(new, ctx, task, moving)),
            stay_token(new, ctx),
        )
    )
    return Decision(new, tuple(out))


def _goes_back(old: str, new: str, sop: Sop) -> bool:
    order = list(sop.steps)
    return order.index(new) < order.index(old)


def _restarted(ctx: Context, outcome: str, target: Step, task: OpenTask) -> Record:
    """A loop back (TOLAK) opens an earlier step with a fresh deadline; the timeline says so,
    and that the case-level limit (Perpres 76/2013) is not restarted with it."""
    limit = case_deadline(ctx.state.complete_at, ctx.sop, ctx.calendar)
    return Record(
        "tahap_diulang",
        f"Tahap {target.title} dibuka kembali ({outcome}); batas waktu tahap dihitung ulang "
        f"hingga {ctx.when(task.due_at)}. Batas akhir penyelesaian (Perpres 76/2013) tetap "
        f"{ctx.when(limit)}.",
        {
            "command": outcome,
            "from": ctx.state.step,
            "to": target.name,
            "due_at": task.due_at.isoformat(),
            "batas_akhir": limit.isoformat() if limit else None,
        },
    )


def _note_back(note: str, line: str, notes: Iterable[str]) -> tuple[str, ...]:
    """The recorded note, quoted back in the transcript unless a line already shows it whole:
    the person sees exactly what was kept of what they wrote (a note ends at the first blank
    line, signature or quote, so it may be shorter than their reply)."""
    if not note or note in line or any(note in n for n in notes):
        return ()
    return (f"Catatan yang dicatat: {note}",)


def next_line(
    state: CaseState, ctx: Context, task: tuple[OpenTask, Notify] | tuple[()], moved: bool
) -> str:
    step = ctx.sop.step(state.step)
    if step.terminal:
        return f"{ctx.case_label} ditutup dengan status: {step.title}."
    if task:
        opened = task[0]
        return (
            f"Tahap berikutnya: {step.title} oleh {ctx.sop.role_title(opened.role)}, "
            f"batas waktu {ctx.when(opened.due_at)}."
        )
    return f"{ctx.case_label} {'kini' if moved else 'tetap'} pada tahap: {step.title}."


def stay_token(state: CaseState, ctx: Context) -> TokenFor | None:
    """A fresh token for the actor when the case still waits on their decision without a new
    task notification (KONFLIK, LENGKAPI): their old token was used by this reply."""
    step = ctx.sop.step(state.step)
    if step.terminal or step.name != ctx.state.step and step.has_task:
        return None
    if ctx.role == PELAPOR:
        return TokenFor(step.name, PELAPOR) if step.role == PELAPOR else None
    role = ctx.sop.acting_role(step.name, state.handler, state.conflict_role)
    return TokenFor(step.name, role) if role in ctx.actor.roles else None


def closure_notice(state: CaseState, sop: Sop, calendar: WorkCalendar) -> tuple[Notify, ...]:
    """The Ketua's short notice that a case closed, whichever way (no reply asked). Not sent when
    the Ketua is conflicted on the case: they are kept out of it, as from its escalations."""
    if state.conflict_role == Role.KETUA:
        return ()
    step = sop.step(state.step)
    message = (
        f"Pengaduan {state.number or '-'} telah ditutup pada {when(state.closed_at, calendar)} "
        f"dengan status: {step.title}. {step.ask}"
    )
    return (
        Notify(
            "pengaduan_ditutup",
            Role.KETUA,
            {"number": state.number, "subject": state.subject, "message": message},
        ),
    )


def inform(role: str, message: str, ctx: Context, documents: tuple[str, ...] = ()) -> Notify:
    """A for-your-information email (no decision asked)."""
    return Notify(
        "informasi",
        role,
        {"number": ctx.state.number, "subject": ctx.state.subject, "message": message},
        documents,
    )


CLOSING_LETTER = "surat_pemberitahuan"  # the numbered letter to a reporter whose case closes


def closing_letter(
    state: CaseState,
    email: Notify,
    params: Mapping[str, Any],
    decided: Mapping[str, Any],
    desk_message: str,
) -> tuple[Effect, ...]:
    """The surat pemberitahuan of a closure without a surat hasil (TIDAK DAPAT DITINDAKLANJUTI,
    tidak dilengkapi; BUKAN PENGADUAN issues no official letter): numbered and signed when applied (`decided` is the
    `persetujuan` of the document's params: who decided, how, who signs), attached to the
    reporter's `email`. A reporter without email gets it through the desk (`for_reporter`, which
    `advance` applies to every decision): `desk_message` is then the note of the desk's task."""
    letter = RenderDocument(
        CLOSING_LETTER, {**params, "persetujuan": {**decided, "tujuan": "Pelapor"}}
    )
    told = replace(
        email,
        documents=(*email.documents, CLOSING_LETTER),
        context={**email.context, DESK_NOTE: desk_message}
        if not state.pelapor_email
        else email.context,
    )
    return (letter, told)


# Pengaduan.data: the letter the desk is to deliver to a reporter without email, {"surat": kind,
# "terkirim": bool, ...}; also the document reference of its task's inputs (the applier reads
# the kind from here), since which letter it is depends on how the case closed.
SURAT_PELAPOR = "surat_pelapor"
LETTER_ERRAND = StepName.PENGIRIMAN_SURAT_PELAPOR
DESK_NOTE = "catatan_desk"  # a reporter's Notify context: the desk's note if it goes by hand
# The printed letters to a reporter (document kinds), as the desk's task names them.
REPORTER_LETTERS = {
    "surat_hasil": "Surat pemberitahuan hasil penanganan",
    CLOSING_LETTER: "Surat pemberitahuan",
    "surat_penerusan": "Salinan surat penerusan",
}


def for_reporter(
    state: CaseState, effects: Iterable[Effect], now: datetime, sop: Sop, calendar: WorkCalendar
) -> tuple[Effect, ...]:
    """`effects`, with every email to a reporter without email (a walk-in, a letter) that
    carries a letter for them replaced by the desk's task to print and send it
    (`pengiriman_surat_pelapor`: the task machinery of pengiriman_penerusan, with its deadline,
    reminders and escalation, closed by TERKIRIM). The case closes anyway; the letter stays
    "belum terkirim" in STATUS, the riwayat and the recap until TERKIRIM."""
    if state.pelapor_email:
        return tuple(effects)
    out: list[Effect] = []
    for e in effects:
        kind = _letter_of(e)
        if not isinstance(e, Notify) or not kind:
            out.append(e)
            continue
        said = e.context.get(DESK_NOTE) or e.context.get("alasan") or e.context.get("ringkasan")
        note = f"{REPORTER_LETTERS[kind]} untuk pelapor" + (f": {said}" if said else ".")
        out.extend(_letter_task(state, kind, note, now, sop, calendar))
    return tuple(out)


def _letter_of(effect: Effect) -> str:
    if not isinstance(effect, Notify) or effect.to != PELAPOR:
        return ""
    return next((d for d in effect.documents if d in REPORTER_LETTERS), "")


def _letter_task(
    state: CaseState, kind: str, note: str, now: datetime, sop: Sop, calendar: WorkCalendar
) -> tuple[Effect, ...]:
    title = REPORTER_LETTERS[kind]
    task = task_for(state, LETTER_ERRAND, now, sop, calendar, note=note, help_text=None)
    due = task[0].due_at if task else None
    return (
        UpdateCase({}, {SURAT_PELAPOR: {"surat": kind, "terkirim": False}}),
        *task,
        Record(
            "surat_pelapor_menunggu",
            f"{title} untuk pelapor (tanpa alamat email) diserahkan kepada Desk Pelayanan untuk "
            f"dicetak dan dikirim melalui pos atau secara langsung; belum terkirim (batas waktu "
            f"{when(due, calendar)}).",
            {"surat": kind, "due_at": due.isoformat() if due else None},
        ),
    )


def letter_errand(state: CaseState, sop: Sop) -> Step | None:
    """The desk's task on a closed case while its letter to the reporter is not yet sent."""
    pending = state.data.get(SURAT_PELAPOR)
    if not isinstance(pending, Mapping) or pending.get("terkirim", True):
        return None
    return sop.step(LETTER_ERRAND) if sop.step(state.step).terminal else None


def letter_delivered(ctx: Context, note: str) -> Decision:
    """TERKIRIM on a closed case: the desk sent the letter to the reporter. The task closes,
    the timeline says so (with the receipt's scan filed), the case stays as it closed."""
    pending = dict(ctx.state.data.get(SURAT_PELAPOR) or {})
    title = REPORTER_LETTERS.get(str(pending.get("surat")), "Surat")
    sent = {
        **pending,
        "terkirim": True,
        "pada": ctx.now.isoformat(),
        "oleh": ctx.actor.address,
        **({"keterangan": note} if note else {}),
    }
    new = replace(ctx.state, data={**ctx.state.data, SURAT_PELAPOR: sent}, task_due_at=None)
    said = f"{title} telah dikirim kepada pelapor" + (f": {note}" if note else ".")
    line = f"Dilaksanakan: {ctx.line or 'TERKIRIM'}"
    return Decision(
        new,
        (
            CloseTask(LETTER_ERRAND, "terkirim", ctx.actor.address),
            UpdateCase({}, {SURAT_PELAPOR: sent}),
            *((FileAttachments(LETTER_ERRAND),) if ctx.attachments else ()),
            Record(
                "surat_pelapor_terkirim",
                said,
                {"surat": pending.get("surat"), "by": ctx.actor.address, "role": ctx.role},
            ),
            Transcript(
                ctx.actor.address,
                (line, said, f"{ctx.case_label} tetap ditutup dengan status: {ctx.step.title}."),
            ),
        ),
    )
