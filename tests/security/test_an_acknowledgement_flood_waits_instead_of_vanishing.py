"""Attack (issue 9, "no amplification"): a flood of forged complaints, each from a different
address, made the office send one acknowledgement per complaint at once: the office's mail server
relays the flood and spends its reputation. An office-wide cap (`[limits]
acknowledgements_per_hour`) now holds them; those beyond it wait in the outbox and go in a later
hour — none is dropped — and the staff's own mail is not held behind them. Unit level: the
sender against a SQLite outbox and a recording SMTP connection."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from dumas.notify.outbox import OutgoingEmail, enqueue
from dumas.notify.sender import OutboxSender
from dumas.workflow.clock import FrozenClock
from dumas.workflow.store.db import make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.models import OutboxMessage
from tests.smtpfake import FakeSmtp

T0 = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
FLOOD = 25
CAP = 10


class RecordingSmtp(FakeSmtp):
    @property
    def to(self) -> list[str]:
        return [addr for d in self.deliveries for addr in d.rcpt_tos]


def test_an_acknowledgement_flood_waits_instead_of_vanishing(tmp_path):
    url = f"sqlite:///{tmp_path}/dumas.sqlite3"
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    smtp, clock = RecordingSmtp(), FrozenClock(T0)
    sender = OutboxSender(
        SimpleNamespace(from_address="pengaduan@kpu.example", from_name="KPU"),  # type: ignore[arg-type]
        sessions,
        None,  # type: ignore[arg-type]
        clock,
        connect=lambda s: smtp,  # type: ignore[arg-type,return-value]
        acks_per_hour=CAP,
    )
    with sessions() as session, session.begin():
        for n in range(FLOOD):
            email = OutgoingEmail("tanda_terima", (f"korban{n}@example.net",), "Tanda terima", ".")
            enqueue(session, email, "kpu.example", T0)
        task = OutgoingEmail("tugas", ("desk@kpu.example",), "Tugas verifikasi", ".")
        enqueue(session, task, "kpu.example", T0)

    sender.drain()
    assert "desk@kpu.example" in smtp.to  # the staff's task is not held behind the flood
    assert len(smtp.to) == CAP + 1
    clock.advance(minutes=59)
    sender.drain()
    assert len(smtp.to) == CAP + 1  # still the same hour
    for _ in range(3):
        clock.advance(hours=1)
        sender.drain()
    # Every acknowledgement went, in order, at most CAP an hour; none failed or vanished.
    victims = [f"korban{n}@example.net" for n in range(FLOOD)]
    assert smtp.to == [*victims[:CAP], "desk@kpu.example", *victims[CAP:]]
    with sessions() as session:
        rows = session.query(OutboxMessage).all()
    assert len(rows) == FLOOD + 1 and {r.status for r in rows} == {"sent"}
