"""cases.assigned_to/assigned_at: a lead routes a case to a reviewer (review/assignment.py)

Revision ID: 0029_case_assignment
Revises: 0028_decision_immediate_risk
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0029_case_assignment"
down_revision = "0028_decision_immediate_risk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("assigned_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_to")
