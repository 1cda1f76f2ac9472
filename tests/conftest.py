"""Shared pytest fixtures. The mail rig starts once per session, on first use only.

- `mail_rig`: the session's MailRig (a private Dovecot + SMTP server), stopped at the end.
- `rig`: the same rig, reset for one test: both servers up, no injected SMTP failures,
  no captured mail. Prefer it in tests; give each test its own mailboxes with
  `rig.new_office()` / `rig.new_user()`.
- `office`: fresh mailboxes for one test (pengaduan-N, desk-N, sekretaris-N, hukum-N, ketua-N).
- `dumas_config`: a Dumas TOML file for `office`, in the test's tmp_path (plain IMAP and SMTP).
- `postgres`: the session's throw-away PostgreSQL cluster (tests/rig/postgres.py), started on
  first use; `postgres.new_database()` gives a fresh database's URL. `postgres_url`: the URL of
  one database of it, for the session. Both skip the test when no PostgreSQL server binaries are
  installed.

Tests that use the rig are marked `rig` automatically (`pytest -m "not rig"` skips them), tests
that use PostgreSQL `postgres`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rig import MailRig, OfficeMailboxes, write_config

_RIG_FIXTURES = {"mail_rig", "rig", "office", "dumas_config"}
_POSTGRES_FIXTURES = {"postgres", "postgres_url"}


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs the throw-away PostgreSQL server")


def pytest_collection_modifyitems(items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if _RIG_FIXTURES & names:
            item.add_marker(pytest.mark.rig)
        if _POSTGRES_FIXTURES & names:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def mail_rig():
    # The `with` block stops Dovecot on normal teardown and on KeyboardInterrupt (pytest runs
    # session teardown); an atexit hook and the parent-death signal cover harder exits.
    with MailRig() as started:
        yield started


def _restore(rig: MailRig) -> None:
    if not rig.imap_running:
        rig.start_imap()
    if not rig.smtp.running:
        rig.start_smtp()
    rig.clear_smtp_failures()


@pytest.fixture
def rig(mail_rig: MailRig):
    _restore(mail_rig)
    mail_rig.clear_captured()
    yield mail_rig
    _restore(mail_rig)  # a test that took a server down must not leave it down for the next


@pytest.fixture
def office(rig: MailRig) -> OfficeMailboxes:
    return rig.new_office()


@pytest.fixture
def dumas_config(rig: MailRig, office: OfficeMailboxes, tmp_path: Path) -> Path:
    return write_config(rig, tmp_path, office.pengaduan, office.roles)


@pytest.fixture(scope="session")
def postgres():
    from tests.rig.postgres import Postgres, PostgresUnavailable, find_bindir

    try:
        bindir = find_bindir()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    with Postgres(bindir) as started:
        yield started


@pytest.fixture(scope="session")
def postgres_url(postgres) -> str:
    return postgres.new_database()
