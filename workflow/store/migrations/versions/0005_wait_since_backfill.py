"""the reporter's wait clock for cases already waiting when it was added

Cases that were in `menunggu_pelapor` before the wait clock existed (issue 10 item 3) have no
`data["menunggu_pelapor_sejak"]`, so the deadlines job never reminds their reporter nor closes
them as "tidak dilengkapi". This backfills it from the latest LENGKAPI decision recorded for the
case (the `keputusan` event whose detail names the command), or, when none is found (a trail
from before that event shape, or pruned), from the latest sign that the case entered the
state: a `keputusan` event into `menunggu_pelapor`, the desk task closed by LENGKAPI, the case's
last update, its registration. The clock then runs from the request like for a new one; a wait
already older than the limit closes at the next deadlines run (the letter says so), which is
what the SOP asks of it.

The tables are reflected here, not imported from the app: the models follow the newest schema,
this migration must keep working against the schema of its own revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WAITING = "menunggu_pelapor"
WAIT_SINCE = "menunggu_pelapor_sejak"  # dumas.workflow.sop.waits.WAIT_SINCE at this revision

pengaduan = sa.table(
    "pengaduan",
    sa.column("id", sa.Integer()),
    sa.column("step", sa.String()),
    sa.column("closed_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("registered_at", sa.DateTime(timezone=True)),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("data", sa.JSON()),
)
event = sa.table(
    "event",
    sa.column("pengaduan_id", sa.Integer()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("kind", sa.String()),
    sa.column("detail", sa.JSON()),
)
task = sa.table(
    "task",
    sa.column("pengaduan_id", sa.Integer()),
    sa.column("closed_at", sa.DateTime(timezone=True)),
    sa.column("outcome", sa.String()),
)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back the stored UTC time without its zone; PostgreSQL an aware one.
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _since(conn: sa.Connection, row: Any) -> datetime | None:
    asked: datetime | None = None
    entered: datetime | None = None
    decisions = conn.execute(
        sa.select(event.c.at, event.c.detail).where(
            event.c.pengaduan_id == row.id, event.c.kind == "keputusan"
        )
    )
    for at, detail in decisions:
        at, detail = _utc(at), detail if isinstance(detail, dict) else {}
        if at is None:
            continue
        if detail.get("command") == "LENGKAPI" and (asked is None or at > asked):
            asked = at
        if detail.get("to") == WAITING and (entered is None or at > entered):
            entered = at
    if asked or entered:
        return asked or entered
    closed = conn.execute(
        sa.select(sa.func.max(task.c.closed_at)).where(
            task.c.pengaduan_id == row.id, task.c.outcome == "lengkapi"
        )
    ).scalar()
    return _utc(closed) or _utc(row.updated_at) or _utc(row.registered_at) or _utc(row.received_at)


def upgrade() -> None:
    conn = op.get_bind()
    waiting = conn.execute(
        sa.select(
            pengaduan.c.id,
            pengaduan.c.data,
            pengaduan.c.updated_at,
            pengaduan.c.registered_at,
            pengaduan.c.received_at,
        ).where(pengaduan.c.step == WAITING, pengaduan.c.closed_at.is_(None))
    ).all()
    for row in waiting:
        data = dict(row.data) if isinstance(row.data, dict) else {}
        if data.get(WAIT_SINCE):
            continue
        since = _since(conn, row)
        if since is None:
            continue  # nothing to count from: the desk still sees the case in STATUS
        data[WAIT_SINCE] = since.isoformat()
        conn.execute(sa.update(pengaduan).where(pengaduan.c.id == row.id).values(data=data))


def downgrade() -> None:
    # The key is harmless to the code of 0004 (it never reads it), and removing it would also
    # remove clocks that LENGKAPI wrote after the upgrade: nothing to undo.
    pass
