"""The plain data the workflow core works on: a case snapshot, the actor, and what to do.

The core (`workflow.sop.machine`) never touches the database or the outbox. It returns a `Decision`:
the new `CaseState` and a tuple of effects, frozen dataclasses that the applier executes in the
same transaction, in order. Effects refer to people by *recipient*: a role name ("desk",
"sekretaris", "hukum", "ketua", a sub-division key), "pelapor", or an email address (contains
"@"). They refer to files by *document reference*: a document kind ("cetakan",
"lembar_disposisi", "surat_tugas", ...) means the newest `Document` of that kind of the case
(including one rendered by an earlier effect of the same decision); "lampiran:<step>" means every
`Attachment` of the case filed at that step ("lampiran:pengaduan" is the reporter's evidence).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from dumas.workflow.sop.definition import HANDLER, PELAPOR
from dumas.workflow.sop.names import StepName


@dataclass(frozen=True)
class CaseState:
    """What the core needs to know about a case; build it with `from_case`."""

    step: str = StepName.VERIFIKASI
    number: str = ""
    subject: str = ""
    klasifikasi: str = ""
    conflict_role: str = ""
    handler: str = HANDLER  # the sub-division handling steps 4-6
    disposisi_to: str = ""
    tim: str = ""
    forwarded_to: str = ""
    pelapor_email: str = ""
    consent_to_share: bool = False
    confidential: bool = False
    missing: tuple[str, ...] = ()
    received_at: datetime | None = None
    complete_at: datetime | None = None
    closed_at: datetime | None = None
    task_due_at: datetime | None = None  # the open task's deadline, for STATUS
    data: Mapping[str, Any] = field(default_factory=dict)
    # The agency a letter naming the reporter went to ("" while none did): a fact of the outbox
    # (sent) or of the desk's TERKIRIM that `from_case` cannot see; the reply handler fills it in
    # (`workflow.store.letters.identity_letter_sent`) for the reporter's consent commands.
    identity_sent_to: str = ""

    @classmethod
    def from_case(cls, case: Any, open_task: Any = None) -> CaseState:
        """Snapshot a `Pengaduan` (any object with its attributes) and its open `Task`."""
        data = dict(getattr(case, "data", None) or {})
        return cls(
            step=case.step,
            number=case.number or "",
            subject=case.subject or "",
            klasifikasi=case.klasifikasi or "",
            conflict_role=case.conflict_role or "",
            handler=data.get("handler") or case.disposisi_to or HANDLER,
            disposisi_to=case.disposisi_to or "",
            tim=case.tim or "",
            forwarded_to=case.forwarded_to or "",
            pelapor_email=case.pelapor_email or "",
            consent_to_share=bool(case.consent_to_share),
            confidential=bool(case.confidential),
            missing=tuple(case.missing or ()),
            received_at=case.received_at,
            complete_at=case.complete_at,
            closed_at=case.closed_at,
            task_due_at=getattr(open_task, "due_at", None),
            data=data,
        )


@dataclass(frozen=True)
class Actor:
    """Who sent the command, as the (already authenticated) caller says.

    `roles` are the roles this sender may act as for this message (normally the one bound to the
    reply token); `delegated` the subset held only as a deputy (a deputy may not delegate).
    """

    address: str
    roles: frozenset[str]
    delegated: frozenset[str] = frozenset()

    @classmethod
    def of(cls, address: str, *roles: str, delegated: tuple[str, ...] = ()) -> Actor:
        return cls(address.lower(), frozenset(roles), frozenset(delegated))

    @property
    def is_pelapor(self) -> bool:
        return PELAPOR in self.roles


# --- effects ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenFor:
    """Issue a fresh single-use reply token for (case, step, role) with the message it rides on."""

    step: str
    role: str


@dataclass(frozen=True)
class UpdateCase:
    """Set `Pengaduan` columns (`fields`) and merge keys into `Pengaduan.data` (`data`)."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenTask:
    """Open a `Task`; `role` is already resolved (sub-division, conflict); `remind_at` may be
    None (no reminder: the lead time is longer than the task)."""

    step: str
    role: str
    due_at: datetime
    remind_at: datetime | None


@dataclass(frozen=True)
class CloseTask:
    """Close the open task of `step` (closed_at = now, closed_by = `by`, outcome)."""

    step: str
    outcome: str
    by: str = ""


@dataclass(frozen=True)
class RenderDocument:
    """Write a pending `Document(kind, params)` (a new version when one exists). JSON params."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileAttachments:
    """File this reply's attachments to the case under `step` (Attachment.step)."""

    step: str


@dataclass(frozen=True)
class Notify:
    """An email composed from the named template and `context`, to a recipient.

    `documents` are document references attached to it; `reply_token`, when set, asks for a fresh
    token so the recipient can decide by replying. A recipient role without addresses, or a
    "pelapor" without an email address, is recorded and skipped.
    """

    template: str
    to: str
    context: Mapping[str, Any] = field(default_factory=dict)
    documents: tuple[str, ...] = ()
    reply_token: TokenFor | None = None


@dataclass(frozen=True)
class Transcript:
    """The "Dilaksanakan: ..." answer to the staff member whose reply did something."""

    to: str
    lines: tuple[str, ...]
    reply_token: TokenFor | None = None


@dataclass(frozen=True)
class Delegate:
    """Write a `Delegation`: `address` acts for `role` from now until `until` (exclusive)."""

    role: str
    address: str
    until: datetime
    granted_by: str


@dataclass(frozen=True)
class CancelDelegation:
    """DELEGASI BATAL: end at once every delegation of `role` still acting (of every role when
    `role` is None: the Ketua's brake), whoever granted it, and kill the reply tokens its
    deputies hold for that role. `by` is who cancelled."""

    role: str | None
    by: str


@dataclass(frozen=True)
class RecheckCompleteness:
    """Re-run the automatic completeness check (identitas, lokasi, bukti) and store `missing`."""


@dataclass(frozen=True)
class Record:
    """An audit `Event` row (kind, summary, detail) — besides the applier's own message events."""

    kind: str
    summary: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReplaceUnsent:
    """Withdraw the case's emails of `template` still waiting in the outbox and queue
    `replacement` in their place; when none waits any more (it left in the meantime), nothing is
    queued and the timeline says so. (A revoked consent: the letter not yet sent is replaced by
    one without the reporter's identity.)"""

    template: str
    replacement: Notify


Effect = (
    UpdateCase
    | OpenTask
    | CloseTask
    | RenderDocument
    | FileAttachments
    | Notify
    | Transcript
    | Delegate
    | CancelDelegation
    | RecheckCompleteness
    | Record
    | ReplaceUnsent
)


# --- decisions ----------------------------------------------------------------------------

REASONS = (
    "unknown_command",
    "wrong_step",
    "not_your_role",
    "missing_argument",
    "invalid_argument",
    "missing_attachment",
    "missing_report",
    "case_closed",
    "pelapor_unreachable",
    "delegate_cannot_delegate",
)


@dataclass(frozen=True)
class Refusal:
    """Why a command changed nothing: a stable `reason` code (REASONS) and an Indonesian
    explanation for the sender, ending with what they can do instead."""

    reason: str
    message: str

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown refusal reason {self.reason!r}")


_E = TypeVar("_E")


@dataclass(frozen=True)
class Decision:
    """The outcome of one event: the new state and effects, or a refusal (state unchanged)."""

    state: CaseState
    effects: tuple[Effect, ...] = ()
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None

    def of_type(self, kind: type[_E]) -> list[_E]:
        return [e for e in self.effects if isinstance(e, kind)]


def refuse(state: CaseState, reason: str, message: str) -> Decision:
    return Decision(state, (), Refusal(reason, message))
