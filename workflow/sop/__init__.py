"""SOP No. 14/2022 as data and the pure state machine that runs it.

`definition` (steps, roles, deadlines, agencies), `config` (the `[sop]` table), `calendar`
(working days), `effects` (what a decision asks for), `machine` (decisions), `transitions`
(their building blocks), `tokens`, `numbering`, `names`, and `commands` (the reply commands).
No I/O, no database, no clock reads: `now` is passed in.
"""

from __future__ import annotations

from dumas.workflow.sop.calendar import Duration, WorkCalendar, indonesian_holidays
from dumas.workflow.sop.config import apply_config, load_sop
from dumas.workflow.sop.definition import (
    Agency,
    Sop,
    Step,
    Subdivision,
    default_subdivision,
    wd,
    wm,
)
from dumas.workflow.sop.effects import (
    Actor,
    CaseState,
    CloseTask,
    Decision,
    Delegate,
    FileAttachments,
    Notify,
    OpenTask,
    RecheckCompleteness,
    Record,
    Refusal,
    RenderDocument,
    TokenFor,
    Transcript,
    UpdateCase,
    refuse,
)
from dumas.workflow.sop.machine import (
    DueAlert,
    alert_notices,
    decide,
    due_alerts,
    on_pelapor_reply,
    on_registered,
)
from dumas.workflow.sop.names import Role, StepName

__all__ = [
    "Actor",
    "Agency",
    "CaseState",
    "CloseTask",
    "Decision",
    "Delegate",
    "DueAlert",
    "Duration",
    "FileAttachments",
    "Notify",
    "OpenTask",
    "RecheckCompleteness",
    "Record",
    "Refusal",
    "RenderDocument",
    "Role",
    "Sop",
    "Step",
    "StepName",
    "Subdivision",
    "TokenFor",
    "Transcript",
    "UpdateCase",
    "WorkCalendar",
    "alert_notices",
    "apply_config",
    "decide",
    "default_subdivision",
    "due_alerts",
    "indonesian_holidays",
    "load_sop",
    "on_pelapor_reply",
    "on_registered",
    "refuse",
    "wd",
    "wm",
]
