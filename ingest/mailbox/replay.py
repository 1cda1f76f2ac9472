"""Replay: run stored messages through parsing and classification again (after a fix)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dumas.ingest.mailbox.intake import Intake
from dumas.ingest.routing.rules import QUARANTINED
from dumas.workflow.clock import Clock
from dumas.workflow.errors import DumasError
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import RawMessage


def replay(
    ids: list[int] | None,
    sessions: sessionmaker[Session],
    files: FileStore,
    intake: Intake,
    clock: Clock,
    progress: Callable[[list[int], int, str], Iterable[int]] | None = None,
) -> list[tuple[int, str, str]]:
    """Reprocess the given quarantined messages (all quarantined when `ids` is None).

    Returns `(raw id, disposition, reason)` per message. Each message commits on its own, so one
    that fails again stays quarantined without holding back the others. `progress` wraps the
    ids as they are processed (the CLI's progress bar: `replay --all` can be thousands).
    """
    with sessions() as session:
        query = select(RawMessage.id).where(RawMessage.disposition == QUARANTINED)
        if ids is not None:
            query = query.where(RawMessage.id.in_(ids))
        todo = list(session.execute(query.order_by(RawMessage.id)).scalars())
    if ids is not None:
        unknown = sorted(set(ids) - set(todo))
        if unknown:
            raise DumasError(
                f"not quarantined (or no such message): {', '.join(map(str, unknown))}"
            )
    results = []
    for raw_id in progress(todo, len(todo), "replay") if progress else todo:
        with sessions() as session, session.begin():
            raw = session.get_one(RawMessage, raw_id)  # listed above; raw messages are kept
            intake.process(session, raw, files.read(raw.storage_key), clock.now())
            results.append((raw.id, raw.disposition, raw.reason))
    return results
