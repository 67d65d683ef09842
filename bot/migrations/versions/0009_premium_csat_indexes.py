"""indexes for premium_csat: premium-line deals per customer, surveys by period

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 12:50:00.000000
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('csat_result', schema=None) as batch_op:
        batch_op.create_index(
            'ix_csat_on', ['workspace_id', 'surveyed_on', 'voided_at', 'member_id', 'customer_id', 'score'], unique=False
        )
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.create_index(
            'ix_deal_customer_line',
            ['workspace_id', 'customer_id', 'product_line', 'signed_on', 'paid_on', 'voided_at'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('deal', schema=None) as batch_op:
        batch_op.drop_index('ix_deal_customer_line')
    with op.batch_alter_table('csat_result', schema=None) as batch_op:
        batch_op.drop_index('ix_csat_on')
