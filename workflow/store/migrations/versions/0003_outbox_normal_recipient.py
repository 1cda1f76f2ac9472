"""outbox: the normalised recipient, indexed

The acknowledgement rate limit (`notify.outbox.sent_recently`) counts the emails of one kind to
one mailbox in the last hour. It grouped the hour's rows by the address as written and
normalised each group in Python, once per registration: a burst of n forged complaints cost
O(n^2). The mailbox is now stored with the row (`outbox.to_normal`, from
`workflow.addresses.normal_address`) and indexed with the kind and the time, replacing the index
on the address as written. Rows already there get their mailbox computed here, so the limit
holds across the upgrade.

The "only new files" check of notifications (issue 9 item 3) needs no schema change: it reads
`outbox.pengaduan_id` and `outbox_attachment.outbox_id`, both indexed since 0001.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

from dumas.workflow.addresses import normal_address


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('to_normal', sa.String(length=320), nullable=False, server_default=''))

    outbox = sa.table(
        'outbox',
        sa.column('id', sa.Integer()),
        sa.column('first_to', sa.String(length=320)),
        sa.column('to_normal', sa.String(length=320)),
    )
    bind = op.get_bind()
    # One UPDATE per distinct address, not per row: an outbox holds few distinct recipients.
    addresses = bind.execute(sa.select(outbox.c.first_to).distinct()).scalars().all()
    for address in addresses:
        if normal := normal_address(address or ''):
            bind.execute(
                outbox.update().where(outbox.c.first_to == address).values(to_normal=normal)
            )

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_kind_first_to')
        batch_op.create_index('ix_outbox_kind_to_normal', ['kind', 'to_normal', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_kind_to_normal')
        batch_op.create_index('ix_outbox_kind_first_to', ['kind', 'first_to', 'created_at'], unique=False)
        batch_op.drop_column('to_normal')
