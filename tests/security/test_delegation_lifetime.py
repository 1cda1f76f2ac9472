"""Attack 1 (issue 9), the long tail: a delegation must not outlive the authority it came from —
neither a delegation granted before DELEGASI needed proof (ended by migration 0002), nor one
whose grantor no longer holds the role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import select

from dumas.config.settings import Roles
from dumas.notify.recipients import role_addresses, roles_of
from dumas.workflow.store.db import alembic_config, make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.models import Delegation

NOW = datetime(2026, 11, 2, 2, 15, tzinfo=UTC)
OTHERS = {
    "desk": ("desk@kpu.example",),
    "hukum": ("hukum@kpu.example",),
    "ketua": ("ketua@kpu.example",),
}
OUTSIDER = "someone@elsewhere.example"


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'dumas.sqlite3'}"


def _grant(sessions, granted_by: str) -> None:
    with sessions.begin() as s:
        s.add(
            Delegation(
                role="sekretaris",
                address=OUTSIDER,
                granted_by=granted_by,
                starts_at=NOW - timedelta(days=1),
                until=NOW + timedelta(days=300),
            )
        )


def test_a_delegation_ends_when_its_grantor_leaves_the_role(url):
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    _grant(sessions, "old.sekretaris@kpu.example")
    before = Roles(sekretaris=("old.sekretaris@kpu.example",), **OTHERS)
    after = Roles(sekretaris=("new.sekretaris@kpu.example",), **OTHERS)
    with sessions() as s:
        assert "sekretaris" in roles_of(s, before, OUTSIDER, NOW)[0]
        assert roles_of(s, after, OUTSIDER, NOW) == (frozenset(), frozenset())
        assert OUTSIDER not in role_addresses(s, after, "sekretaris", NOW)
    engine.dispose()


def test_upgrading_ends_the_delegations_granted_without_proof(url):
    # A delegation of the old kind (any domain, up to a year) made on schema 0001 …
    command.upgrade(alembic_config(url), "0001")
    engine = make_engine(url)
    with engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO delegation (role, address, granted_by, starts_at, until) "
            "VALUES ('sekretaris', ?, 'sekretaris@kpu.example', ?, ?)",
            (OUTSIDER, "2026-11-01 00:00:00.000000", "2027-10-30 00:00:00.000000"),
        )
    engine.dispose()
    upgrade(url)  # … is ended by the upgrade to the schema that knows proof of sender.
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        row = s.execute(select(Delegation)).scalar_one()
        assert row.revoked_at is not None and row.revoked_by.startswith("upgrade 0002")
        roles = Roles(sekretaris=("sekretaris@kpu.example",), **OTHERS)
        assert roles_of(s, roles, OUTSIDER, NOW) == (frozenset(), frozenset())
    engine.dispose()
