"""Who an effect's recipient is: a role, the pelapor, or an address — and who may act for a role.

Roles come from `[roles]`; deputies from `[roles.delegates]` (always allowed to act) and from
`DELEGASI` (a `Delegation` row: allowed to act, and notified, until its end). The pelapor is
reached at the address they wrote from, unless it is a no-reply address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from dumas.workflow.addresses import lower_ascii, staff_key
from dumas.workflow.sop.definition import PELAPOR
from dumas.workflow.store.models import Delegation, Pengaduan

_NO_REPLY = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|mailer-daemon|"
    r"postmaster|bounces?|notifications?)(?:[+-].*)?@",
    re.IGNORECASE,
)


class RoleDirectory(Protocol):
    """What we read of `dumas.config.settings.Roles` (notify does not import config)."""

    @property
    def subdivisions(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def delegates(self) -> Mapping[str, tuple[str, ...]]: ...
    def addresses(self, role: str) -> tuple[str, ...]: ...


def is_no_reply(address: str) -> bool:
    return bool(_NO_REPLY.match(address or ""))


def _in_force(now: datetime):
    """The SQL condition of a delegation acting at `now`: started, not ended, not cancelled."""
    return (
        (Delegation.starts_at <= now) & (Delegation.until > now) & Delegation.revoked_at.is_(None)
    )


def active_delegates(
    session: Session, role: str | None, now: datetime, roles: RoleDirectory | None = None
) -> tuple[str, ...]:
    """Addresses acting by DELEGASI right now, for `role` (or for any role when None); with
    `roles`, only delegations whose grantor still holds the role (`_granted_by_holder`)."""
    query = select(Delegation.address, Delegation.role, Delegation.granted_by).where(_in_force(now))
    if role is not None:
        query = query.where(Delegation.role == role)
    return tuple(
        dict.fromkeys(
            address.lower()
            for address, of, granted_by in session.execute(query).all()
            if roles is None or _granted_by_holder(roles, of, granted_by)
        )
    )


def _granted_by_holder(roles: RoleDirectory, role: str, granted_by: str) -> bool:
    """A delegation lasts only while its grantor holds the role: a Sekretaris who has left the
    office (taken out of `[roles]`) no longer lends a role she no longer has."""
    return staff_key(granted_by) in roles.addresses(role)


def active_delegations(session: Session, now: datetime) -> list[Delegation]:
    """Every delegation acting right now, by role then end (for STATUS and `dumas doctor`)."""
    query = select(Delegation).where(_in_force(now)).order_by(Delegation.role, Delegation.until)
    return list(session.execute(query).scalars())


def role_addresses(
    session: Session, roles: RoleDirectory, role: str, now: datetime
) -> tuple[str, ...]:
    """The people to notify for `role`: its holders and anyone delegated to it right now."""
    return tuple(dict.fromkeys(roles.addresses(role) + active_delegates(session, role, now, roles)))


def roles_of(
    session: Session, roles: RoleDirectory, address: str, now: datetime
) -> tuple[frozenset[str], frozenset[str]]:
    """(every role `address` may act as, the subset held only as a deputy).

    Give the address as written (not already lower-cased): a look-alike with non-ASCII letters
    never holds a role, even when `str.lower()` would fold it onto a staff address."""
    address = staff_key(address)
    if not address:
        return frozenset(), frozenset()
    held = {r for r in ("desk", "sekretaris", "hukum", "ketua") if address in roles.addresses(r)}
    held |= {r for r, addrs in roles.subdivisions.items() if address in addrs}
    deputy = {r for r, addrs in roles.delegates.items() if address in addrs}
    deputy |= {
        role
        for role, granted_by in session.execute(
            select(Delegation.role, Delegation.granted_by).where(
                Delegation.address == address, _in_force(now)
            )
        ).all()
        if _granted_by_holder(roles, role, granted_by)
    }
    return frozenset(held | deputy), frozenset(deputy - held)


def resolve(
    session: Session, roles: RoleDirectory, case: Pengaduan | None, to: str, now: datetime
) -> tuple[str, ...]:
    """The addresses for an effect's `to` (role name, "pelapor", or an address)."""
    if "@" in to:
        return (lower_ascii(to),)
    if to == PELAPOR:
        email = (case.pelapor_email if case else "") or ""
        # Only ASCII letters are folded: a reporter writing from a look-alike of a staff address
        # is never addressed (and treated) as that staff member.
        return (lower_ascii(email),) if email and not is_no_reply(email) else ()
    return role_addresses(session, roles, to, now)
