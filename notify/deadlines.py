"""The deadlines job: reminders before a task is due, and escalation once it is late.

What is due comes from the pure core (`workflow.sop.machine.due_alerts`); this job records each alert
in the `Alert` table (unique per task and kind) in the same transaction as its emails, so every
reminder and escalation goes out exactly once — across restarts and however often the job runs.
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
from dumas.workflow.store.models import Alert, Pengaduan, Task

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
    return counts


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
