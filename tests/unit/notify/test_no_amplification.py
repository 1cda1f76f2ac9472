"""Issue 9, "no amplification", without servers: what the office echoes to a sender, how rate
limits count a mailbox, who is threaded to the reporter's mail, and the office-wide hourly cap on
acknowledgements (they wait in the outbox, never vanish)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from dumas.notify.apply import Applier
from dumas.notify.context import EXTERNAL, PELAPOR, STAFF, case_context
from dumas.notify.notices import take_notice
from dumas.notify.outbox import OutgoingEmail, enqueue, normal_address, sent_recently
from dumas.notify.sender import OutboxSender
from dumas.workflow.clock import FrozenClock
from dumas.workflow.formatting import ECHO_LIMIT, without_links
from dumas.workflow.store.db import make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.models import OutboxMessage, Pengaduan, RawMessage
from tests.smtpfake import FakeSmtp
from tests.unit.notify.test_email_templates import KIT, SOP, WIB

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
ORIGINAL = "<complaint.1@reporter.example>"
REPORTER = "budi@reporter.example"


# --- echo: at most ECHO_LIMIT characters, never a link in the salutation -----------------------


def _case(**changes) -> Pengaduan:
    values = dict(
        id=7,
        number="007/PGD/XI/2026",
        channel="email",
        subject="Beli " * 180,
        body="isi",
        pelapor_name="Promo www.murah.example klik http://spam.example Budi Santoso, S.Kom",
        pelapor_email=REPORTER,
        consent_to_share=True,
        confidential=False,
        step="verifikasi",
    )
    values.update(changes)
    return Pengaduan(**values)


def test_the_pelapor_gets_a_short_subject_and_a_name_without_links():
    case = _case()
    mine = case_context(case, PELAPOR, WIB, SOP)
    assert len(mine["subject"]) <= ECHO_LIMIT + 2  # the ellipsis
    assert mine["pelapor"].name == "Promo klik Budi Santoso, S.Kom"
    staff = case_context(case, STAFF, WIB, SOP)  # the office sees what was written
    assert staff["subject"] == case.subject and staff["pelapor"].name == case.pelapor_name
    assert case.subject == "Beli " * 180  # the case keeps it


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("Budi Santoso, S.Kom", "Budi Santoso, S.Kom"),
        ("Dr. Maria M.Si", "Dr. Maria M.Si"),
        ("Rahmat, S.Pd.I", "Rahmat, S.Pd.I"),
        ("Menang Hadiah-Kilat.Example", "Menang"),
        ("Budi: Santoso", "Budi: Santoso"),
        ("Menang di EVIL.COM sekarang", "Menang di sekarang"),
        ("hxxp www.x.example a@b.example mailto:c https://d", "hxxp"),
    ],
)
def test_without_links(name, kept):
    assert without_links(name) == kept


# --- rate limits count a mailbox, not a spelling --------------------------------------------------


@pytest.mark.parametrize(
    ("written", "mailbox"),
    [
        ("Budi.Santoso+promo@GMail.com", "budisantoso@gmail.com"),
        ("b.u.d.i@googlemail.com", "budi@gmail.com"),
        ("budi.santoso+x+y@kpu.example", "budi.santoso@kpu.example"),
        ("BUDI@Example.NET", "budi@example.net"),
    ],
)
def test_normal_address(written, mailbox):
    assert normal_address(written) == mailbox


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/dumas.sqlite3"
    upgrade(url)
    return make_sessionmaker(make_engine(url))


def _ack(session, to: str, at: datetime) -> OutboxMessage:
    return enqueue(
        session,
        OutgoingEmail(kind="tanda_terima", to=(to,), subject="Tanda terima", body_text="."),
        "kpu.example",
        at,
    )


def test_sent_recently_counts_every_spelling_of_one_mailbox(sessions):
    with sessions() as session, session.begin():
        for to in (
            "budi.santoso@gmail.com",
            "BudiSantoso+1@gmail.com",
            "b.udi.santoso+2@gmail.com",
        ):
            _ack(session, to, NOW)
        _ack(session, "someone.else@gmail.com", NOW)
        _ack(session, "budisantoso@gmail.com", NOW - timedelta(hours=2))  # outside the hour
        since = NOW - timedelta(hours=1)
        assert sent_recently(session, "budisantoso+new@googlemail.com", "tanda_terima", since) == 3
        assert sent_recently(session, "budi.santoso@kpu.example", "tanda_terima", since) == 0


# --- the office-wide cap: acknowledgements wait, other mail goes ----------------------------------


class _Smtp(FakeSmtp):
    @property
    def sent(self) -> list[str]:
        return [str(d.message["Subject"]) for d in self.deliveries]


def test_acknowledgements_beyond_the_hourly_cap_wait_and_go_later(sessions):
    smtp = _Smtp()
    clock = FrozenClock(NOW)
    settings = SimpleNamespace(from_address="pengaduan@kpu.example", from_name="KPU")
    sender = OutboxSender(settings, sessions, None, clock, connect=lambda s: smtp, acks_per_hour=2)  # type: ignore[arg-type]
    with sessions() as session, session.begin():
        for n in range(5):
            _ack(session, f"warga{n}@example.net", NOW)
        enqueue(
            session,
            OutgoingEmail(kind="tugas", to=("desk@kpu.example",), subject="Tugas", body_text="."),
            "kpu.example",
            NOW,
        )
    assert sender.drain()["sent"] == 3  # two acknowledgements and the staff's task
    assert "Tugas" in smtp.sent
    clock.set(NOW + timedelta(minutes=30))
    assert sender.drain()["sent"] == 0  # the hour is used up: nothing dropped, nothing sent
    with sessions() as session:
        pending = session.query(OutboxMessage).filter_by(status="pending").count()
        assert pending == 3
    clock.set(NOW + timedelta(hours=1, minutes=1))
    assert sender.drain()["sent"] == 2
    clock.set(NOW + timedelta(hours=2, minutes=2))
    assert sender.drain()["sent"] == 1
    with sessions() as session:
        statuses = {r.status for r in session.query(OutboxMessage)}
    assert statuses == {"sent"}


# --- threading: only the pelapor, and staff answered, are threaded --------------------------------


def _applier(source: RawMessage | None = None) -> Applier:
    class S:
        """Answers the threading queries: the case's complaint, and who wrote what."""

        def execute(self, query):
            if "disposition" in str(query) and "from_address" in str(query):
                return iter([(ORIGINAL, REPORTER, "complaint")])
            return SimpleNamespace(scalar=lambda: ORIGINAL)

    return Applier(S(), KIT, _case(), NOW, source=source)  # type: ignore[arg-type]


def test_only_the_pelapor_is_threaded_under_their_complaint():
    applier = _applier()
    assert applier._threading(PELAPOR, False) == (ORIGINAL, "")
    assert applier._threading(EXTERNAL, False) == ("", "")
    assert applier._threading(STAFF, False) == ("", "")


def test_an_outsider_answered_gets_their_own_message_and_no_references():
    own = RawMessage(message_id="<theirs@agency.example>", references=f"{ORIGINAL}")
    assert _applier(own)._threading(EXTERNAL, True) == ("<theirs@agency.example>", "")
    forged = RawMessage(message_id=ORIGINAL, references="")
    assert _applier(forged)._threading(EXTERNAL, True) == ("", "")
    staff = RawMessage(message_id="<staff@kpu.example>", references=ORIGINAL)
    assert _applier(staff)._threading(STAFF, True) == ("<staff@kpu.example>", ORIGINAL)


def test_explanations_are_limited_per_mailbox_not_per_spelling(sessions):
    """`take_notice` (refusals, STATUS without a token) counts `victim+1@`, `v.i.c.t.i.m@` as the
    one mailbox they reach."""
    spellings = ("Korban@gmail.com", "korban+1@gmail.com", "k.o.r.b.a.n+2@googlemail.com")
    with sessions() as session, session.begin():
        taken = [take_notice(session, a, "tanpa_token", NOW, WIB, 2) for a in spellings]
        assert taken == [True, True, False]
        assert take_notice(session, "korban@example.net", "tanpa_token", NOW, WIB, 2)
