"""Rate limits for explanations: a mailbox gets at most N per reason per day (office time)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dumas.workflow.addresses import normal_address
from dumas.workflow.store.models import Notice


def take_notice(
    session: Session, address: str, reason: str, now: datetime, tz: tzinfo, per_day: int
) -> bool:
    """Record a notice to `address` for `reason` if today's allowance is not used up."""
    day = now.astimezone(tz).date().isoformat()
    # The mailbox, not the spelling: `victim+1@`, `v.i.c.t.i.m@gmail.com` share one allowance.
    address = normal_address(address)
    sent = session.execute(
        select(func.count())
        .select_from(Notice)
        .where(Notice.address == address, Notice.reason == reason, Notice.day == day)
    ).scalar_one()  # a count is always one row
    if sent >= per_day:
        return False
    session.add(Notice(address=address, reason=reason, day=day, sent_at=now))
    return True
