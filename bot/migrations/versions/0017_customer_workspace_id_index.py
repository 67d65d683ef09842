"""ix_customer_workspace_id: a workspace's customers in id order, for the near-match index's refresh

"The customers of this workspace added since id N" was a scan of every customer of the workspace
on SQLite (its planner picks the unique (workspace_id, name_key) index); with this index it is one
range read as short as the list of customers added since, on SQLite and PostgreSQL alike.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-09 00:30:00.000000
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index('ix_customer_workspace_id', ['workspace_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_workspace_id')
