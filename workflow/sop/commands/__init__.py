"""The reply commands staff and reporters write (`SETUJU`, `TERUSKAN BAWASLU`, ...): the grammar
that reads them, one small class per command, and the registry with the BANTUAN text.
"""

from __future__ import annotations

from dumas.workflow.sop.commands.base import Command, ParsedCommand, paragraph_lines
from dumas.workflow.sop.commands.registry import (
    Bantuan,
    Delegasi,
    Status,
    commands_for,
    help_text,
    parse_command,
)

__all__ = [
    "Bantuan",
    "Command",
    "Delegasi",
    "ParsedCommand",
    "Status",
    "commands_for",
    "help_text",
    "paragraph_lines",
    "parse_command",
]
