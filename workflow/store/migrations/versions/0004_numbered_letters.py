"""numbered outgoing letters: the yearly counter and the buku agenda surat keluar

Every letter that leaves the office (surat penerusan, surat tugas, surat hasil) gets a number of
its own yearly sequence when it is approved (`nomor_surat`, one row per year, locked while the
next number is taken), and a row in the register (`surat_keluar`) with who approved it, when,
the short verification code printed on it, and the rendered PDF (`document_id`, whose sha256 is
what `dumas verify` checks).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

from dumas.workflow.store.models import UtcDateTime


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'nomor_surat',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_seq', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )
    op.create_table(
        'surat_keluar',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('nomor', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('pengaduan_id', sa.Integer(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('tujuan', sa.Text(), nullable=False),
        sa.Column('perihal', sa.Text(), nullable=False),
        sa.Column('approved_by', sa.String(length=320), nullable=False),
        sa.Column('approved_role', sa.String(length=120), nullable=False),
        sa.Column('approved_at', UtcDateTime(timezone=True), nullable=False),
        sa.Column('kode', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['document.id']),
        sa.ForeignKeyConstraint(['pengaduan_id'], ['pengaduan.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kode'),
        sa.UniqueConstraint('nomor'),
        sa.UniqueConstraint('year', 'seq'),
    )
    with op.batch_alter_table('surat_keluar', schema=None) as batch_op:
        batch_op.create_index('ix_surat_keluar_document_id', ['document_id'], unique=False)
        batch_op.create_index('ix_surat_keluar_pengaduan_id', ['pengaduan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('surat_keluar', schema=None) as batch_op:
        batch_op.drop_index('ix_surat_keluar_pengaduan_id')
        batch_op.drop_index('ix_surat_keluar_document_id')
    op.drop_table('surat_keluar')
    op.drop_table('nomor_surat')
