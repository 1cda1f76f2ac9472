"""Migration 0005: a case that was already waiting on its reporter before the wait clock existed
gets the clock from its LENGKAPI request, on SQLite and on PostgreSQL.

The rows are written at revision 0004 through the tables as that revision left them (reflected,
not the app's models, which follow the newest schema), then the database is upgraded to head and
read back the way the deadlines job reads it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.effects import CaseState, Notify
from dumas.workflow.sop.waits import WAIT_SINCE, case_alert_effects, case_alerts
from dumas.workflow.store.db import upgrade
from dumas.workflow.store.models import Pengaduan

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
SOP = load_sop({})


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


RECEIVED = wib(2026, 10, 26, 8, 30)
FIRST_ASK = wib(2026, 10, 27, 10, 0)  # an earlier LENGKAPI round, answered
ASKED = wib(2026, 11, 2, 9, 15)  # Monday: the LENGKAPI the case still waits on
REMIND = wib(2026, 11, 10, 8, 0)  # 5 working days on (3, 4, 5, 6, 9 November)
CLOSE = wib(2026, 11, 16, 16, 0)  # the 10th working day, closing time
UPDATED = wib(2026, 11, 4, 11, 0)  # a later write to the case (not the request)
OWN_CLOCK = wib(2026, 11, 3, 14, 0)


def _insert(conn: sa.Connection, meta: sa.MetaData, name: str, **values: object) -> int:
    """Insert a row into the table as it is at this revision, NOT NULL columns not given set to
    an empty value of their type."""
    table = meta.tables[name]
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        kind = column.type.python_type if not isinstance(column.type, sa.JSON) else dict
        empty = {str: "", int: 0, bool: False, dict: {}, datetime: RECEIVED.astimezone(UTC)}
        values[column.name] = empty.get(kind, "")
    for key, value in values.items():
        if isinstance(value, datetime):  # stored as UTC (SQLite keeps no zone)
            values[key] = value.astimezone(UTC)
    row = conn.execute(sa.insert(table).values(**values).returning(table.c.id)).scalar_one()
    return int(row)


def _case(conn: sa.Connection, meta: sa.MetaData, number: str, step: str, **kw: object) -> int:
    return _insert(
        conn,
        meta,
        "pengaduan",
        number=number,
        step=step,
        status=step,
        received_at=RECEIVED,
        registered_at=RECEIVED,
        updated_at=UPDATED,
        pelapor_email="warga.peduli@yahoo.co.id",
        missing=["bukti"],
        **kw,
    )


def _decision(conn, meta, case_id: int, at: datetime, command: str, to: str) -> None:
    detail = {"command": command, "from": "verifikasi", "to": to, "role": "desk"}
    _insert(conn, meta, "event", pengaduan_id=case_id, at=at, kind="keputusan", detail=detail)


def _backfilled(url: str) -> None:
    upgrade(url, "0004")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        asked = _case(conn, meta, "001/PGD/X/2026", "menunggu_pelapor", data={"lengkapi": "KTP"})
        _decision(conn, meta, asked, FIRST_ASK, "LENGKAPI", "menunggu_pelapor")
        _decision(conn, meta, asked, ASKED, "LENGKAPI", "menunggu_pelapor")
        _insert(conn, meta, "event", pengaduan_id=asked, at=UPDATED, kind="balasan_pelapor")
        # No decision on the trail: the desk task LENGKAPI closed says when the wait began.
        no_event = _case(conn, meta, "002/PGD/X/2026", "menunggu_pelapor")
        task = {"pengaduan_id": no_event, "step": "verifikasi", "role": "desk"}
        _insert(conn, meta, "task", **task, opened_at=RECEIVED, due_at=ASKED, closed_at=ASKED,
                outcome="lengkapi")  # fmt: skip
        own = _case(conn, meta, "003/PGD/X/2026", "menunggu_pelapor",
                    data={WAIT_SINCE: OWN_CLOCK.astimezone(UTC).isoformat()})  # fmt: skip
        _decision(conn, meta, own, ASKED, "LENGKAPI", "menunggu_pelapor")
        moved_on = _case(conn, meta, "004/PGD/X/2026", "disposisi")
        _decision(conn, meta, moved_on, ASKED, "LENGKAPI", "menunggu_pelapor")
    upgrade(url)

    with Session(engine) as session:
        cases = {c.id: c for c in session.scalars(sa.select(Pengaduan))}
        assert cases[asked].data == {
            "lengkapi": "KTP",
            WAIT_SINCE: ASKED.astimezone(UTC).isoformat(),
        }
        assert cases[no_event].data[WAIT_SINCE] == ASKED.astimezone(UTC).isoformat()
        assert cases[own].data == {WAIT_SINCE: OWN_CLOCK.astimezone(UTC).isoformat()}
        assert WAIT_SINCE not in cases[moved_on].data
        states = [(i, CaseState.from_case(cases[i])) for i in (asked, no_event)]
    engine.dispose()

    key = ASKED.astimezone(UTC).isoformat()
    assert case_alerts(states, REMIND - timedelta(minutes=1), SOP, CAL) == []
    due = case_alerts(states, REMIND, SOP, CAL)
    assert [(a.case_id, a.kind, a.key, a.at) for a in due] == [
        (asked, "pengingat_pelapor", key, REMIND),
        (no_event, "pengingat_pelapor", key, REMIND),
    ]
    decision = case_alert_effects(due[0], states[0][1], REMIND, SOP, CAL)
    [reminder] = [e for e in decision.effects if isinstance(e, Notify)]
    assert reminder.context["batas_tanggal"] == "Senin, 16 November 2026"
    assert [a.kind for a in case_alerts(states, CLOSE, SOP, CAL)] == ["tidak_dilengkapi"] * 2


def test_a_wait_from_before_the_clock_gets_it_on_sqlite(tmp_path):
    _backfilled(f"sqlite:///{tmp_path / 'dumas.db'}")


def test_a_wait_from_before_the_clock_gets_it_on_postgres(postgres_url):
    _backfilled(postgres_url)
