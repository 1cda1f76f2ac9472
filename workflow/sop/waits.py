"""Clocks on a whole case rather than on a task: the Perpres 76/2013 limit and the reporter's wait.

- `case_alerts(cases, now, sop, calendar, sent)`: which case-level alerts are due at `now`.
- `case_alert_effects(alert, state, now, sop, calendar)`: the effects of one of them.
- `on_pelapor_timeout(state, now, sop, calendar)`: a LENGKAPI request left unanswered closes the
  case as "tidak dilengkapi" (the transition `PELAPOR_TIMEOUT` of `menunggu_pelapor`).
- `days_left(limit, now, sop, calendar)`: what STATUS and the alerts say remains of the limit.

A staff task's reminders live on its `Task` row (`machine.due_alerts`). These two clocks have no
task: the 60-day limit runs across every step and every TOLAK loop, and the reporter is not
staff. Each alert is keyed by (case, kind, `key`), `key` being the instant its clock started,
so a new LENGKAPI request starts a fresh wait while a job that runs again sends nothing twice.
The deadlines job records each alert as an `Event` of its kind with that key; the pure functions
here take what was already recorded as `sent`.

Like the task alerts, an earlier alert whose moment passed is skipped once a later one is due
(a poller that was down sends the day-60 escalation, not three emails at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.definition import PELAPOR, PELAPOR_TIMEOUT, Sop
from dumas.workflow.sop.effects import (
    CaseState,
    Decision,
    Effect,
    Notify,
    Record,
    TokenFor,
    UpdateCase,
)
from dumas.workflow.sop.names import Role, StepName
from dumas.workflow.sop.transitions import (
    case_deadline,
    closing_letter,
    closure_notice,
    for_reporter,
    state_fields,
    utc,
    when,
)

LIMIT_KINDS = ("batas_pengingat", "batas_eskalasi", "batas_terlampaui")
WAIT_KINDS = ("pengingat_pelapor", "tidak_dilengkapi")
CASE_ALERT_KINDS = LIMIT_KINDS + WAIT_KINDS
WAIT_SINCE = "menunggu_pelapor_sejak"  # Pengaduan.data: when the LENGKAPI request was sent

SUMMARIES = {
    "batas_pengingat": "Pengingat batas akhir penyelesaian (Perpres 76/2013) dikirim",
    "batas_eskalasi": "Batas akhir penyelesaian (Perpres 76/2013) sudah dekat; Ketua diberi tahu",
    "batas_terlampaui": "Batas akhir penyelesaian (Perpres 76/2013) terlampaui; Ketua diberi tahu",
    "pengingat_pelapor": "Pengingat permintaan kelengkapan dikirim kepada pelapor",
    "tidak_dilengkapi": "Pelapor tidak melengkapi pengaduan dalam batas waktu; pengaduan ditutup",
}


@dataclass(frozen=True)
class CaseAlert:
    """A case-level alert due: `kind` (CASE_ALERT_KINDS), the clock's start `key` (ISO text),
    when it became due (`at`), and the roles told (empty for the reporter's alerts)."""

    case_id: int
    kind: str
    key: str
    at: datetime
    roles: tuple[str, ...] = ()


def case_alerts(
    cases: Iterable[tuple[int, CaseState]],
    now: datetime,
    sop: Sop,
    calendar: WorkCalendar,
    sent: Iterable[tuple[int, str, str]] = (),
) -> list[CaseAlert]:
    """The alerts due at `now` for open cases, given as (case id, state); `sent` holds the
    (case id, kind, key) already recorded."""
    now, done, out = utc(now), set(sent), []
    for case_id, state in cases:
        step = sop.step(state.step)
        if step.terminal or state.closed_at is not None:
            continue
        if step.name == StepName.MENUNGGU_PELAPOR:
            out.extend(_wait_alerts(case_id, state, now, sop, calendar))
        if state.complete_at is not None:
            out.extend(_limit_alerts(case_id, state, now, sop, calendar))
    return [a for a in out if (a.case_id, a.kind, a.key) not in done]


def _latest(candidates: list[CaseAlert], now: datetime) -> list[CaseAlert]:
    passed = [a for a in candidates if now >= a.at]
    return passed[-1:]


def _limit_alerts(
    case_id: int, state: CaseState, now: datetime, sop: Sop, calendar: WorkCalendar
) -> list[CaseAlert]:
    assert state.complete_at is not None
    start, key = state.complete_at, utc(state.complete_at).isoformat()
    remind, escalate = sop.case_limit_marks()
    holder = sop.acting_role(state.step, state.handler, state.conflict_role)
    ketua = _not_conflicted((Role.KETUA,), state) or _not_conflicted((Role.SEKRETARIS,), state)
    first = _not_conflicted(tuple(dict.fromkeys((holder, Role.SEKRETARIS))), state)
    marks = [
        CaseAlert(case_id, "batas_pengingat", key, calendar.add(start, remind), first),
        CaseAlert(case_id, "batas_eskalasi", key, calendar.add(start, escalate), ketua),
        CaseAlert(case_id, "batas_terlampaui", key, case_deadline(start, sop, calendar), ketua),
    ]
    return _latest(marks, now)


def _not_conflicted(roles: tuple[str, ...], state: CaseState) -> tuple[str, ...]:
    # A role with a conflict of interest on the case is kept out of its escalations.
    return tuple(r for r in roles if r and r != PELAPOR and r != state.conflict_role)


def _wait_alerts(
    case_id: int, state: CaseState, now: datetime, sop: Sop, calendar: WorkCalendar
) -> list[CaseAlert]:
    since = _since(state)
    step = sop.step(StepName.MENUNGGU_PELAPOR)
    if since is None or step.duration is None:
        return []  # a wait from before this clock existed: the desk still sees it in STATUS
    due = calendar.add(since, step.duration)
    marks = [CaseAlert(case_id, "tidak_dilengkapi", since.isoformat(), due)]
    if step.remind_before is not None:
        remind = calendar.subtract(due, step.remind_before)
        if remind > since:
            marks.insert(0, CaseAlert(case_id, "pengingat_pelapor", since.isoformat(), remind))
    return _latest(marks, now)


def _since(state: CaseState) -> datetime | None:
    raw = state.data.get(WAIT_SINCE)
    if not raw:
        return None
    try:
        return utc(datetime.fromisoformat(str(raw)))
    except ValueError:
        return None


def wait_deadline(state: CaseState, sop: Sop, calendar: WorkCalendar) -> datetime | None:
    """When a case waiting on its reporter closes as "tidak dilengkapi" (None: no clock)."""
    since, step = _since(state), sop.step(StepName.MENUNGGU_PELAPOR)
    if since is None or step.duration is None:
        return None
    return calendar.add(since, step.duration)


def days_left(limit: datetime, now: datetime, sop: Sop, calendar: WorkCalendar) -> int:
    """Days left until `limit` in `case_limit`'s kind of day, today included while any of it
    counts (1: today is the last day); negative once it has passed (how many days late)."""
    now, limit = utc(now), utc(limit)
    today = calendar.local_date(now)
    if sop.case_limit.unit == "calendar_days":
        last = calendar.local_date(limit - timedelta(microseconds=1))
        return (last - today).days + (1 if now < limit else 0)
    if now >= limit:
        return -max(1, calendar.working_days_used(limit, now))
    counting_today = calendar.is_working_day(today) and now < calendar.closing(today)
    return max(1, calendar.working_days_used(now, limit) + (1 if counting_today else 0))


def case_alert_effects(
    alert: CaseAlert, state: CaseState, now: datetime, sop: Sop, calendar: WorkCalendar
) -> Decision:
    """The decision of one case alert: the emails, the event that records it (with its key), and
    for "tidak_dilengkapi" the closing of the case."""
    record = Record(
        alert.kind,
        SUMMARIES[alert.kind] + ".",
        {"key": alert.key, "roles": list(alert.roles), "due": alert.at.isoformat()},
    )
    if alert.kind == "tidak_dilengkapi":
        decision = on_pelapor_timeout(state, now, sop, calendar)
        return Decision(decision.state, (*decision.effects, record))
    if alert.kind == "pengingat_pelapor":
        due = wait_deadline(state, sop, calendar)
        reminder = {
            "number": state.number,
            "apa": str(state.data.get("lengkapi") or ""),
            "batas_tanggal": _date(due, calendar),
        }
        if not state.pelapor_email:
            # A walk-in or a letter: the desk reminds the reporter by phone or letter.
            desk = {
                "number": state.number,
                "subject": state.subject,
                "message": f"Pelapor (tanpa alamat email) belum melengkapi pengaduan "
                f"({reminder['apa'] or '-'}). Mohon hubungi pelapor kembali melalui telepon atau "
                f"surat; batas kelengkapan {reminder['batas_tanggal']}. Balas LENGKAP pada email "
                "permintaan menghubungi pelapor bila kelengkapan sudah diterima.",
            }
            return Decision(state, (Notify("informasi", Role.DESK, desk), record))
        token = TokenFor(StepName.MENUNGGU_PELAPOR, PELAPOR)
        return Decision(state, (Notify("pengingat_pelapor", PELAPOR, reminder, (), token), record))
    limit = case_deadline(state.complete_at, sop, calendar)
    step = sop.step(state.step)
    holder = sop.acting_role(step.name, state.handler, state.conflict_role)
    context: dict[str, Any] = {
        "number": state.number,
        "subject": state.subject,
        "tahap": alert.kind.removeprefix("batas_"),
        "step_title": step.title,
        "waiting_on": sop.role_title(holder),
        "complete_at": state.complete_at,
        "batas_akhir": limit,
        "batas_akhir_text": when(limit, calendar),
        "batas_hari": sop.case_limit.label,
        "sisa_hari": days_left(limit, now, sop, calendar) if limit else None,
        "satuan_hari": sop.case_limit.label.split(" ", 1)[1],
        "due_text": when(state.task_due_at, calendar) if state.task_due_at else "",
    }
    emails: list[Effect] = [Notify("batas_penyelesaian", r, context) for r in alert.roles]
    return Decision(state, (*emails, record))


def on_pelapor_timeout(
    state: CaseState, now: datetime, sop: Sop, calendar: WorkCalendar
) -> Decision:
    """The reporter did not answer the LENGKAPI request in time: the case closes as "tidak
    dilengkapi", the reporter gets the closing letter and the desk is told. A reporter who
    writes later reaches the desk like on any closed case (`on_pelapor_reply`)."""
    now, step = utc(now), sop.step(state.step)
    target = step.transitions[PELAPOR_TIMEOUT]
    new = replace(state, step=target, closed_at=now, task_due_at=None)
    apa = str(state.data.get("lengkapi") or "")
    since = _since(state)
    context = {
        "number": state.number,
        "apa": apa,
        "diminta_tanggal": _date(since, calendar),
        "batas_hari": str(step.duration),
    }
    desk = (
        f"Pengaduan {state.number} ditutup dengan status {sop.step(target).title}: pelapor tidak "
        f"menanggapi permintaan kelengkapan ({apa or '-'}) dalam {step.duration}. Pelapor telah "
        "diberi tahu dan dapat mengajukan pengaduan baru; balasan pelapor yang datang kemudian "
        "akan diteruskan kepada Desk Pelayanan."
    )
    # The closing letter is numbered now, by no one's approval: the SOP closes the case, and the
    # letter says so ("Ditetapkan otomatis oleh sistem ... sesuai SOP") under the signatory
    # block of the Sekretaris (the Ketua when she is conflicted), who signs the office's letters.
    automatic = {
        "oleh": "sistem",
        "peran": "Sistem Dumas",
        "role": "sistem",
        "penandatangan": Role.KETUA if state.conflict_role == Role.SEKRETARIS else Role.SEKRETARIS,
        "cara": "otomatis",
    }
    # Nobody to email: the desk gets a task to print and send the letter (issue 10 item 4),
    # the note of which says why the case closed.
    printed = desk.replace("Pelapor telah diberi tahu dan", "Pelapor")
    told = for_reporter(
        state,
        closing_letter(
            state,
            Notify("tidak_dilengkapi", PELAPOR, context),
            {"jenis": "tidak_dilengkapi", **context},
            automatic,
            printed,
        ),
        now,
        sop,
        calendar,
    )
    fields = {**state_fields(state, new, sop), "outcome": "Tidak dilengkapi oleh pelapor"}
    informed: tuple[Effect, ...] = (
        (
            Notify(
                "informasi",
                Role.DESK,
                {"number": state.number, "subject": state.subject, "message": desk},
            ),
        )
        if state.pelapor_email
        else ()
    )
    closed = closure_notice(new, sop, calendar)
    return Decision(
        new, (UpdateCase(fields, {"tidak_dilengkapi": True}), *told, *informed, *closed)
    )


def _date(at: datetime | None, calendar: WorkCalendar) -> str:
    """A date for a citizen, without a clock time: "Senin, 16 Maret 2026" (the last day)."""
    if at is None:
        return "-"
    text = when(at, calendar)
    return text.split(" pukul ", 1)[0]
