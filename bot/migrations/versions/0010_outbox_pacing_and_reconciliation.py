"""outbox: per-workspace pacing (attempted_at, throttled_until) and reconciliation (conversation, checks)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 12:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('throttled_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('conversation', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('checks', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index('ix_outbox_workspace_due', ['workspace_id', 'status', 'not_before'], unique=False)
        batch_op.create_index('ix_outbox_workspace_attempted', ['workspace_id', 'attempted_at'], unique=False)
        batch_op.create_index('ix_outbox_workspace_throttled', ['workspace_id', 'throttled_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_workspace_throttled')
        batch_op.drop_index('ix_outbox_workspace_attempted')
        batch_op.drop_index('ix_outbox_workspace_due')
        batch_op.drop_column('checks')
        batch_op.drop_column('conversation')
        batch_op.drop_column('throttled_until')
        batch_op.drop_column('attempted_at')
