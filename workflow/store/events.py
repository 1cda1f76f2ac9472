"""The audit trail: append-only `Event` rows, each linked to the case and the message that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from dumas.workflow.store.models import Event

# Mail in a reporter's name that proves nothing (issue 9 item 7): recorded under this kind, its
# files filed under this step (never attached again), shown to the desk as a note until an email
# to the desk has carried it (NOTES_DELIVERED marks how far).
UNVERIFIED_NOTE = "informasi_belum_terverifikasi"
UNVERIFIED_STEP = "belum_terverifikasi"
NOTES_DELIVERED = "catatan_disampaikan"


def record(
    session: Session,
    kind: str,
    now: datetime,
    *,
    pengaduan_id: int | None = None,
    raw_id: int | None = None,
    actor: str = "",
    summary: str = "",
    detail: dict | None = None,
) -> Event:
    """Append one event. `summary` is shown in timelines: keep personal data out of it."""
    event = Event(
        at=now,
        kind=kind,
        pengaduan_id=pengaduan_id,
        raw_id=raw_id,
        actor=actor,
        summary=summary,
        detail=detail or {},
    )
    session.add(event)
    return event
