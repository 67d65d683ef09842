"""outbox: group conversations (a wider channel) and thread replies (reply_to)

A group DM is addressed by its people ("U1,U2", up to 8 ids), so channel grows from 32 to 100
characters. reply_to names the parent message's key; the claim query looks up the parent by the
existing (workspace_id, key) unique index and earlier replies by ix_outbox_workspace_reply_to.
ix_outbox_workspace_channel finds a group's conversation id that an earlier send recorded.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column(
            'channel',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
            type_=sqlmodel.sql.sqltypes.AutoString(length=100),
            existing_nullable=False,
        )
        batch_op.add_column(sa.Column('reply_to', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_index('ix_outbox_workspace_channel', ['workspace_id', 'channel'], unique=False)
        batch_op.create_index('ix_outbox_workspace_reply_to', ['workspace_id', 'reply_to', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_workspace_reply_to')
        batch_op.drop_index('ix_outbox_workspace_channel')
        batch_op.drop_column('reply_to')
        batch_op.alter_column(
            'channel',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=100),
            type_=sqlmodel.sql.sqltypes.AutoString(length=32),
            existing_nullable=False,
        )
