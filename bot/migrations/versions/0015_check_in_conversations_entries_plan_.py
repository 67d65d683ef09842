"""check-in conversations, entries, plan items and comments

evaluation gains the check-in's parent message (its outbox key and group address), when and by whom
it was opened, and a revision counter for the parent's updates. checkin_entry holds each version of a
self-review or feedback, plan_item the improvement plan's items with their outcome at the next
check-in, checkin_comment the plain thread replies (one per Slack message). ix_outbox_workspace_ts
finds a check-in's parent from a thread reply's thread_ts.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 21:40:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('checkin_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], ),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'channel', 'ts')
    )
    with op.batch_alter_table('checkin_comment', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_comment_evaluation', ['evaluation_id', 'id'], unique=False)

    op.create_table('checkin_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], ),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id', 'kind', 'version')
    )
    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('feedback_version', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('target', sa.String(length=40), nullable=True),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reviewed_in', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('outcome_actual', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id', 'feedback_version', 'position')
    )
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.create_index('ix_plan_item_member_due', ['workspace_id', 'member_id', 'due'], unique=False)

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('checkin_channel', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('checkin_opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('checkin_opened_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_workspace_ts', ['workspace_id', 'ts'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_workspace_ts')

    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_column('revision')
        batch_op.drop_column('checkin_opened_by')
        batch_op.drop_column('checkin_opened_at')
        batch_op.drop_column('checkin_channel')
        batch_op.drop_column('checkin_key')

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_item_member_due')

    op.drop_table('plan_item')
    op.drop_table('checkin_entry')
    with op.batch_alter_table('checkin_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_comment_evaluation')

    op.drop_table('checkin_comment')
