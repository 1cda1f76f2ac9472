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
that use PostgreSQL `postgres`, tests that use `suite_now` or `expected_number` `dates`.

The clock: no test may depend on the day it runs. Every test runs with `$DUMAS_NOW` set to the
suite's instant (`suite_now`: Monday 2 November 2026, 09:15 WIB, or `--test-now` /
`$DUMAS_TEST_NOW`), so every `dumas` run in-process or in a subprocess, the `app` fixture and the
rig's APPEND (the IMAP internal date, which registration takes as the time of receipt) agree on
it; a test that needs another time sets its own (the flow tests' `flow.at(...)`). Reading the
wall clock through Dumas' `SystemClock` fails the test (unless marked `wall_clock`).
`make test-dates` runs the tests marked `dates` again with the wall clock moved (libfaketime) and
with the suite's instant moved.
- `suite_now`: the suite's instant (aware). `expected_number(seq)`: the registration number the
  default numbering gives the `seq`-th case received at `suite_now`, derived independently of
  the code under test.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dumas.config.app import NOW_ENV
from dumas.workflow import clock as clock_module
from tests.rig import MailRig, OfficeMailboxes, write_config

TEST_NOW_ENV = "DUMAS_TEST_NOW"
WIB = ZoneInfo("Asia/Jakarta")  # the rig's office zone (tests/rig/config.py)
# The instant tests/mailfactory.py dates its complaints and the flow tests start from.
DEFAULT_TEST_NOW = datetime(2026, 11, 2, 9, 15, tzinfo=WIB)
_MONTHS_ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
_TEST_NOW = pytest.StashKey[datetime]()

_RIG_FIXTURES = {"mail_rig", "rig", "office", "dumas_config"}
_POSTGRES_FIXTURES = {"postgres", "postgres_url"}
_DATES_FIXTURES = {"suite_now", "expected_number"}


def pytest_addoption(parser):
    parser.addoption(
        "--test-now",
        default=os.environ.get(TEST_NOW_ENV) or None,
        metavar="ISO-8601",
        help="the instant tests run at unless they set their own, with a UTC offset "
        f"(default ${TEST_NOW_ENV}, else {DEFAULT_TEST_NOW.isoformat()})",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs the throw-away PostgreSQL server")
    config.addinivalue_line(
        "markers", "wall_clock: the test may read the real time through Dumas' SystemClock"
    )
    config.addinivalue_line(
        "markers",
        "dates: results follow the date; `make test-dates` runs "
        "these with the wall clock and --test-now moved",
    )
    config.stash[_TEST_NOW] = _parse_test_now(config.getoption("--test-now"))


def _parse_test_now(value: str | None) -> datetime:
    if not value:
        return DEFAULT_TEST_NOW
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(
            f"--test-now/${TEST_NOW_ENV}: not an ISO 8601 time: {value!r}"
        ) from None
    if at.tzinfo is None:
        # A naive time would mean the machine's zone: the very dependency this option tests.
        raise pytest.UsageError(f"--test-now/${TEST_NOW_ENV} needs a UTC offset: {value!r}")
    if at > datetime.now(at.tzinfo):
        # The rig's Dovecot dates mail by the real clock and will not receive it in the future.
        raise pytest.UsageError(
            f"--test-now/${TEST_NOW_ENV} {value} is ahead of the wall clock; "
            "move that too (`make test-dates` runs under libfaketime)"
        )
    return at


def pytest_report_header(config):
    at = config.stash[_TEST_NOW]
    if at != DEFAULT_TEST_NOW:
        return f"tests run at {at.isoformat()} (--test-now/${TEST_NOW_ENV})"
    return None


def pytest_collection_modifyitems(items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if _RIG_FIXTURES & names:
            item.add_marker(pytest.mark.rig)
        if _POSTGRES_FIXTURES & names:
            item.add_marker(pytest.mark.postgres)
        if _DATES_FIXTURES & names:
            item.add_marker(pytest.mark.dates)


@pytest.fixture(scope="session")
def suite_now(pytestconfig) -> datetime:
    return pytestconfig.stash[_TEST_NOW]


@pytest.fixture(autouse=True)
def _frozen_time(pytestconfig, monkeypatch):
    """Every `dumas` run of the test, in-process or in a child process, runs at `suite_now`.
    (Not through the `suite_now` fixture: asking for that one marks a test `dates`.)"""
    monkeypatch.setenv(NOW_ENV, pytestconfig.stash[_TEST_NOW].isoformat())


class WallClockRead(AssertionError):
    pass


@pytest.fixture(autouse=True)
def _no_wall_clock(request, monkeypatch):
    """Fail a test whose code under test reads the real time through Dumas' clock module.

    Raising alone is not enough: the poll cycle catches a job's exception and carries on, so the
    reads are also recorded and reported when the test ends.
    """
    if request.node.get_closest_marker("wall_clock"):
        yield
        return
    reads: list[str] = []
    real = clock_module.datetime

    class NoWallClock(real):
        @classmethod
        def now(cls, tz=None):
            reads.append(f"datetime.now({tz!r})")
            raise WallClockRead(
                "the wall clock was read: inject a clock (FrozenClock) or rely "
                f"on ${NOW_ENV}, which the suite sets"
            )

    # SystemClock and OffsetClock both look `datetime` up in their module when called.
    monkeypatch.setattr(clock_module, "datetime", NoWallClock)
    yield
    assert not reads, f"the test read the wall clock through dumas.workflow.clock: {reads}"


@pytest.fixture
def expected_number(suite_now):
    """The default pattern's number ("001/PGD/XI/2026") for the `seq`-th case received at
    `suite_now`: the month and year of the office's (WIB) calendar, not UTC's."""
    local = suite_now.astimezone(WIB)

    def number(seq: int) -> str:
        return f"{seq:03d}/PGD/{_MONTHS_ROMAN[local.month - 1]}/{local.year}"

    return number


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
    rig.smtp.oauthbearer_offered = True


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
