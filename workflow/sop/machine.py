"""The SOP state machine: pure functions from (case state, event, now) to a `Decision`.

- `on_registered(state, now, sop, calendar)`: a new complaint enters step 2 (verifikasi).
- `decide(state, command, actor, now, sop, calendar, attachments=())`: a reply with a command
  (or, for the reporter, any reply) from an already authenticated sender.
- `on_pelapor_reply(...)`: the reporter wrote again (completes a LENGKAPI request).
- `due_alerts(tasks, now, sop, calendar)`: which reminders and escalations are due now, and
  `alert_notices(alert, state, sop, calendar)`: the emails for one of them.

Nothing here reads the clock, the database or the network; `now` is an aware datetime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.base import Command, ParsedCommand
from dumas.workflow.sop.commands.pelapor import REPORTER_COMMAND_NAMES
from dumas.workflow.sop.commands.registry import COMMANDS, help_text
from dumas.workflow.sop.definition import (
    DELEGATING_ROLES,
    HANDLER,
    PELAPOR,
    PELAPOR_REPLY,
    STAFF_ROLES,
    Sop,
    Step,
)
from dumas.workflow.sop.effects import (
    Actor,
    CaseState,
    Decision,
    FileAttachments,
    Notify,
    RecheckCompleteness,
    Record,
    TokenFor,
    UpdateCase,
    refuse,
)
from dumas.workflow.sop.names import Role, StepName
from dumas.workflow.sop.transitions import (
    Context,
    Problem,
    letter_errand,
    state_fields,
    task_for,
    utc,
    when,
)

ALERT_KINDS = ("reminder", "overdue", "escalation")
_ANYTIME = ("STATUS", "BANTUAN")


def on_registered(state: CaseState, now: datetime, sop: Sop, calendar: WorkCalendar) -> Decision:
    """A registered complaint goes to the desk for verification (SOP step 2)."""
    now = utc(now)
    new = replace(state, step=StepName.VERIFIKASI)
    task = task_for(
        new,
        StepName.VERIFIKASI,
        now,
        sop,
        calendar,
        extra={"missing": list(state.missing)},
        help_text=help_text,
    )
    assert task, "verifikasi is a task with a deadline"
    new = replace(new, task_due_at=task[0].due_at)
    return Decision(
        new,
        (
            UpdateCase({"step": StepName.VERIFIKASI, "status": "verifikasi"}),
            *task,
            Record(
                "tugas_dibuka",
                "Pengaduan menunggu verifikasi Desk Pelayanan.",
                {"step": StepName.VERIFIKASI},
            ),
        ),
    )


def decide(
    state: CaseState,
    command: ParsedCommand | None,
    actor: Actor,
    now: datetime,
    sop: Sop,
    calendar: WorkCalendar,
    attachments: Iterable[str] = (),
) -> Decision:
    """Decide one reply. `command` is `parse_command(...)` of the reply (None: no command found),
    `actor` the authenticated sender, `attachments` the names of the files the reply carries."""
    now, attachments = utc(now), tuple(attachments)
    if PELAPOR in actor.roles and not actor.roles & _staff(sop):
        # The reporter's consent commands, like STATUS, answer at any step and are never the
        # reporter's information: they do not go to the role holder as a reply.
        if command is not None and (
            command.name in _ANYTIME or command.name in REPORTER_COMMAND_NAMES
        ):
            return _run(
                COMMANDS[command.name],
                _ctx(state, actor, PELAPOR, now, sop, calendar, command, attachments),
            )
        return on_pelapor_reply(state, now, sop, calendar, attachments=attachments)
    role = _best_role(actor, state, sop)
    if command is None:
        return refuse(
            state,
            "unknown_command",
            "Balasan Anda tidak memuat perintah yang "
            "dikenali.\n\n" + help_text(state.step, role, sop, state),
        )
    cmd = COMMANDS[command.name]
    ctx = _ctx(state, actor, role, now, sop, calendar, command, attachments)
    if cmd.name in _ANYTIME:
        return _run(cmd, ctx)
    if cmd.name == "DELEGASI":
        return _delegate(cmd, ctx)
    if cmd.name in REPORTER_COMMAND_NAMES:
        # Only the reporter may consent to naming themselves, or take it back.
        return refuse(
            state,
            "not_your_role",
            f"Perintah {cmd.name} hanya dapat diberikan oleh pelapor sendiri, dengan membalas "
            "email tanda terima pengaduannya.\n\n" + help_text(state.step, role, sop, state),
        )
    step = sop.step(state.step)
    errand = letter_errand(state, sop)
    if errand is not None and cmd.name in errand.commands:
        step = errand  # a closed case whose letter to the reporter the desk has yet to send
    elif step.terminal:
        return refuse(
            state,
            "case_closed",
            f"{ctx.case_label} sudah ditutup ({step.title}); "
            f"perintah {cmd.name} tidak dapat dilaksanakan lagi. Anda masih dapat "
            "membalas STATUS.",
        )
    if cmd.name not in step.commands:
        return refuse(
            state,
            "wrong_step",
            f"Perintah {cmd.name} tidak berlaku pada tahap "
            f"pengaduan saat ini ({step.title}).\n\n" + help_text(state.step, role, sop, state),
        )
    decider = sop.acting_role(step.name, state.handler, state.conflict_role)
    if decider not in actor.roles:
        return refuse(
            state,
            "not_your_role",
            f"Perintah {cmd.name} pada tahap {step.title} "
            f"hanya dapat diberikan oleh {sop.role_title(decider)}"
            + (
                " (karena benturan kepentingan yang ditandai Desk Pelayanan)"
                if state.conflict_role and decider != _base_role(step, state)
                else ""
            )
            + ".\n\n"
            + help_text(state.step, role, sop, state),
        )
    return _run(cmd, replace(ctx, role=decider))


def on_pelapor_reply(
    state: CaseState,
    now: datetime,
    sop: Sop,
    calendar: WorkCalendar,
    attachments: Iterable[str] = (),
) -> Decision:
    """The reporter wrote on their case: while a LENGKAPI request waits, any reply goes back to
    the desk for verification; otherwise the current role holder is told there is new
    information (the desk, once the case is closed)."""
    now, attachments = utc(now), tuple(attachments)
    step = sop.step(state.step)
    filed = (FileAttachments("pengaduan"),) if attachments else ()
    if PELAPOR_REPLY in step.transitions:
        new = replace(state, step=step.transitions[PELAPOR_REPLY])
        task = task_for(
            new,
            new.step,
            now,
            sop,
            calendar,
            note="Pelapor telah menanggapi permintaan kelengkapan.",
            extra={"pelapor_menanggapi": True},
            help_text=help_text,
        )
        new = replace(new, task_due_at=task[0].due_at if task else None)
        return Decision(
            new,
            (
                UpdateCase(state_fields(state, new, sop)),
                *filed,
                RecheckCompleteness(),
                *task,
                Notify("tanggapan_diterima", PELAPOR, {"number": state.number}),
                Record(
                    "balasan_pelapor",
                    "Pelapor menanggapi permintaan "
                    "kelengkapan; kembali ke verifikasi Desk Pelayanan.",
                ),
            ),
        )
    who = (
        Role.DESK
        if step.terminal
        else sop.acting_role(step.name, state.handler, state.conflict_role)
    )
    told = Notify(
        "informasi_pelapor",
        who,
        {"number": state.number, "subject": state.subject, "step_title": step.title},
        ("lampiran:pengaduan",) if attachments else (),
    )
    return Decision(
        state,
        (
            *filed,
            told,
            Record(
                "balasan_pelapor",
                f"Pelapor mengirim informasi tambahan; diteruskan kepada {sop.role_title(who)}.",
            ),
        ),
    )


def _staff(sop: Sop) -> frozenset[str]:
    return frozenset(STAFF_ROLES) | {s.key for s in sop.subdivisions}


def _ctx(
    state: CaseState,
    actor: Actor,
    role: str,
    now: datetime,
    sop: Sop,
    calendar: WorkCalendar,
    command: ParsedCommand,
    attachments: tuple[str, ...],
) -> Context:
    return Context(
        state,
        actor,
        role,
        now,
        sop,
        calendar,
        args=command.args,
        text=command.text,
        line=" ".join(f"{command.name} {command.args}".split()),
        attachments=attachments,
        help_text=help_text,
    )


def _best_role(actor: Actor, state: CaseState, sop: Sop) -> str:
    """The role to answer an actor as: the one deciding now if they hold it."""
    step = sop.step(state.step)
    if not step.terminal:
        decider = sop.acting_role(step.name, state.handler, state.conflict_role)
        if decider in actor.roles:
            return decider
    ordered = [r for r in STAFF_ROLES if r in actor.roles] + sorted(actor.roles - set(STAFF_ROLES))
    return ordered[0] if ordered else PELAPOR


def _base_role(step: Step, state: CaseState) -> str:
    role = step.deciding_role
    return state.handler if role == HANDLER else role


def _run(cmd: Command, ctx: Context) -> Decision:
    try:
        args = cmd.parse(ctx)
        # `process` may find the stored state unfit too (e.g. a proposal's agency gone): the
        # same refusal, never an exception that fails the whole reply.
        return cmd.process(ctx, args)
    except Problem as p:
        return refuse(ctx.state, p.reason, p.message)


def _delegate(cmd: Command, ctx: Context) -> Decision:
    own = [r for r in DELEGATING_ROLES if r in ctx.actor.roles - ctx.actor.delegated]
    if own:
        return _run(cmd, replace(ctx, role=own[0]))
    if any(r in ctx.actor.delegated for r in DELEGATING_ROLES):
        return refuse(
            ctx.state,
            "delegate_cannot_delegate",
            "Anda bertindak sebagai pelaksana "
            "harian dan tidak dapat menunjuk pelaksana lain. Mohon minta pejabat yang "
            "bersangkutan mengirim perintah DELEGASI.",
        )
    return refuse(
        ctx.state,
        "not_your_role",
        "Perintah DELEGASI hanya dapat diberikan oleh Sekretaris atau Ketua.",
    )


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueAlert:
    """A reminder or escalation due for `task` (the object given, e.g. a `Task` row).

    `roles` are told: for "reminder" the task's role; for "overdue" the task's role and the
    first role up; for "escalation" the next role up after that. `at` is when it became due.
    """

    task: Any
    kind: str
    roles: tuple[str, ...]
    at: datetime


def due_alerts(
    tasks: Iterable[Any],
    now: datetime,
    sop: Sop,
    calendar: WorkCalendar,
    conflicts: Mapping[int, str] | None = None,
    sent: Iterable[tuple[int, str]] = (),
) -> list[DueAlert]:
    """The alerts due at `now` for open tasks (objects with id, pengaduan_id, step, role, due_at,
    remind_at, closed_at). A reminder is skipped once the task is overdue. `conflicts` maps a
    case id to its conflict role (kept out of escalations); `sent` holds (task id, kind) pairs
    already in the Alert table — the applier inserts each new one before sending, once."""
    now, done, out = utc(now), set(sent), []
    for task in tasks:
        if task.closed_at is not None:
            continue
        chain = sop.escalation(task.role, (conflicts or {}).get(task.pengaduan_id, ""))
        if now >= task.due_at:
            out.append(DueAlert(task, "overdue", (task.role, *chain[:1]), task.due_at))
            later = calendar.add(task.due_at, sop.escalate_again_after)
            if len(chain) > 1 and now >= later:
                out.append(DueAlert(task, "escalation", chain[1:2], later))
        elif task.remind_at is not None and now >= task.remind_at:
            out.append(DueAlert(task, "reminder", (task.role,), task.remind_at))
    return [a for a in out if (a.task.id, a.kind) not in done]


def alert_notices(
    alert: DueAlert, state: CaseState, sop: Sop, calendar: WorkCalendar
) -> tuple[Notify, ...]:
    """The emails of one alert: "pengingat" (reminder) and "terlambat" (overdue) to the task's
    role with a fresh reply token, "eskalasi" to the roles above, without one."""
    task, step = alert.task, sop.step(alert.task.step)
    context = {
        "number": state.number,
        "subject": state.subject,
        "step": step.name,
        "step_title": step.title,
        "role": task.role,
        "role_title": sop.role_title(task.role),
        "due_at": task.due_at,
        "due_text": when(task.due_at, calendar),
        "opened_at": task.opened_at,
    }
    token = TokenFor(step.name, task.role)
    if alert.kind == "reminder":
        return (
            Notify(
                "pengingat",
                task.role,
                {**context, "help": help_text(step.name, task.role, sop, state)},
                step.inputs,
                token,
            ),
        )
    if alert.kind == "overdue":
        return (
            Notify("terlambat", task.role, context, (), token),
            *(Notify("eskalasi", r, context) for r in alert.roles[1:]),
        )
    return tuple(Notify("eskalasi", r, context) for r in alert.roles)
