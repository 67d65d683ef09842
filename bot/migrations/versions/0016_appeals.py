"""appeals: a rep's appeal against an evaluation version, decided by an independent reviewer

open_evaluation_id holds the evaluation id only while the appeal is open, so its unique constraint
allows one open appeal per evaluation (NULLs never collide) on SQLite and PostgreSQL alike.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 22:15:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('appeal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('open_evaluation_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('appellant_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('manager_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('evaluation_version', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('requested', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reviewer_user_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('assigned_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('assigned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('rationale', sa.Text(), nullable=True),
    sa.Column('corrected', sa.JSON(), nullable=False),
    sa.Column('result_version', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('open_evaluation_id')
    )
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.create_index('ix_appeal_evaluation', ['workspace_id', 'evaluation_id'], unique=False)
        batch_op.create_index('ix_appeal_member', ['workspace_id', 'member_id', 'id'], unique=False)
        batch_op.create_index('ix_appeal_reviewer_status', ['workspace_id', 'reviewer_user_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_index('ix_appeal_reviewer_status')
        batch_op.drop_index('ix_appeal_member')
        batch_op.drop_index('ix_appeal_evaluation')

    op.drop_table('appeal')
