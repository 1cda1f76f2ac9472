"""The deadlines job: reminders before a task is due, and escalation once it is late.

What is due comes from the pure core (`workflow.sop.machine.due_alerts`); this job records each alert
in the `Alert` table (unique per task and kind) in the same transaction as its emails, so every
reminder and escalation goes out exactly once — across restarts and however often the job runs.

The case-level clocks (`workflow.sop.waits`: the Perpres 76/2013 limit, the reporter's wait after
LENGKAPI) have no task row: each of their alerts is the `Event` of its kind with the clock's start
as `detail["key"]`, written with its emails; the case row is locked and the event looked for again
inside that transaction, so a second runner sends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dumas.notify.apply import Applier, ApplierSettings, Toolkit
from dumas.workflow.clock import Clock
from dumas.workflow.sop.effects import CaseState, Record
from dumas.workflow.sop.machine import DueAlert, alert_notices, due_alerts
from dumas.workflow.sop.names import StepName
from dumas.workflow.sop.waits import CASE_ALERT_KINDS, CaseAlert, case_alert_effects, case_alerts
from dumas.workflow.store.models import Alert, Event, Pengaduan, Task

log = logging.getLogger(__name__)

KIND_SUMMARY = {
    "reminder": "Pengingat batas waktu dikirim",
    "overdue": "Tugas melewati batas waktu; pemegang tugas dan atasannya diberi tahu",
    "escalation": "Eskalasi keterlambatan kepada pimpinan",
}


def run_deadlines(
    sessions: sessionmaker[Session], kit: Toolkit[ApplierSettings], clock: Clock
) -> dict[str, int]:
    """Send every reminder/escalation due now that has not been sent; returns counts by kind."""
    now = clock.now()
    with sessions() as session:
        tasks = session.execute(select(Task).where(Task.closed_at.is_(None))).scalars().all()
        cases = {t.pengaduan_id for t in tasks}
        sent = {
            (a.task_id, a.kind)
            for a in session.execute(
                select(Alert).where(Alert.task_id.in_([t.id for t in tasks]))
            ).scalars()
        }
        conflicts = {
            c.id: c.conflict_role
            for c in session.execute(select(Pengaduan).where(Pengaduan.id.in_(cases))).scalars()
        }
        due = due_alerts(tasks, now, kit.sop, kit.calendar, conflicts, sent)
    counts = {"reminder": 0, "overdue": 0, "escalation": 0}
    for alert in due:
        with sessions() as session, session.begin():
            _send(session, kit, alert, now)
        counts[alert.kind] += 1
    for case_alert in _due_case_alerts(sessions, kit, now):
        with sessions() as session, session.begin():
            if _send_case_alert(session, kit, case_alert, now):
                counts[case_alert.kind] = counts.get(case_alert.kind, 0) + 1
    return counts


def _due_case_alerts(
    sessions: sessionmaker[Session], kit: Toolkit[ApplierSettings], now: datetime
) -> list[CaseAlert]:
    with sessions() as session:
        open_cases = (
            session.execute(
                select(Pengaduan).where(
                    Pengaduan.closed_at.is_(None),
                    Pengaduan.complete_at.is_not(None)
                    | (Pengaduan.step == StepName.MENUNGGU_PELAPOR),
                )
            )
            .scalars()
            .all()
        )
        ids = [c.id for c in open_cases]
        sent = {
            (e.pengaduan_id or 0, e.kind, str((e.detail or {}).get("key", "")))
            for e in session.execute(
                select(Event).where(Event.pengaduan_id.in_(ids), Event.kind.in_(CASE_ALERT_KINDS))
            ).scalars()
        }
        cases = [(c.id, CaseState.from_case(c)) for c in open_cases if c.step in kit.sop.steps]
        return case_alerts(cases, now, kit.sop, kit.calendar, sent)


def _send_case_alert(
    session: Session, kit: Toolkit[ApplierSettings], alert: CaseAlert, now: datetime
) -> bool:
    """Apply one case alert unless another runner did since it was computed."""
    case = session.get_one(Pengaduan, alert.case_id, with_for_update=True)
    already = session.execute(
        select(Event.detail).where(Event.pengaduan_id == case.id, Event.kind == alert.kind)
    ).scalars()
    if any((d or {}).get("key") == alert.key for d in already) or case.closed_at is not None:
        return False
    task = session.execute(
        select(Task).where(Task.pengaduan_id == case.id, Task.closed_at.is_(None))
    ).scalar()
    state = CaseState.from_case(case, task)
    decision = case_alert_effects(alert, state, now, kit.sop, kit.calendar)
    Applier(session, kit, case, now).apply(decision.effects)
    log.info("case %s: %s (%s)", case.number, alert.kind, alert.key)
    return True


def _send(session: Session, kit: Toolkit[ApplierSettings], alert: DueAlert, now: datetime) -> None:
    # Tasks and cases are never deleted; the task was read open a moment ago.
    task = session.get_one(Task, alert.task.id)
    case = session.get_one(Pengaduan, task.pengaduan_id)
    session.add(Alert(task_id=task.id, kind=alert.kind, sent_at=now))
    session.flush()  # the unique (task, kind) key: a second sender fails here, before any email
    state = CaseState.from_case(case, task)
    effects = alert_notices(alert, state, kit.sop, kit.calendar)
    Applier(session, kit, case, now).apply(
        [
            *effects,
            Record(
                alert.kind,
                f"{KIND_SUMMARY[alert.kind]} (tahap {task.step}).",
                {"task": task.id, "roles": list(alert.roles)},
            ),
        ]
    )
    log.info("case %s: %s for task %s (%s)", case.number, alert.kind, task.id, task.step)
