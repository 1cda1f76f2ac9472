"""What a routed message does: register a new complaint (SOP steps 1-2) or handle a reply through
the gate (staff decisions, reporter information).
"""

from __future__ import annotations

from dumas.ingest.actions.registrar import (
    IngestSettings,
    LimitsSettings,
    NumberingSettings,
    Registrar,
    RegistrationSettings,
    SecuritySettings,
    ZoneSettings,
    numbering_rules,
)
from dumas.ingest.actions.replies import GateVerdict, ReplyHandler

__all__ = [
    "GateVerdict",
    "IngestSettings",
    "LimitsSettings",
    "NumberingSettings",
    "Registrar",
    "RegistrationSettings",
    "ReplyHandler",
    "SecuritySettings",
    "ZoneSettings",
    "numbering_rules",
]
