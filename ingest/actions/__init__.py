"""What a routed message does: register a new complaint (SOP steps 1-2) or handle a reply through
the gate (staff decisions, reporter information).
"""

from __future__ import annotations

from dumas.ingest.actions.registrar import (
    NumberingSettings,
    Registrar,
    RegistrationSettings,
    ZoneSettings,
    numbering_rules,
)
from dumas.ingest.actions.replies import GateVerdict, ReplyHandler

__all__ = [
    "GateVerdict",
    "NumberingSettings",
    "Registrar",
    "RegistrationSettings",
    "ReplyHandler",
    "ZoneSettings",
    "numbering_rules",
]
