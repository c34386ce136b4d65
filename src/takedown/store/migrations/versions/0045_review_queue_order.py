"""A partial index of the open cases in a work queue's order (PostgreSQL), so a queue page reads
its 200 cases instead of sorting the whole backlog

Revision ID: 0045_review_queue_order
Revises: 0044_decision_deadline
"""

import sqlalchemy as sa
from alembic import op

revision = "0045_review_queue_order"
down_revision = "0044_decision_deadline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_cases_review_queue_order",
        "cases",
        [
            "priority",
            "ranked_lower",
            sa.text("escalation_level DESC"),
            "deadline_at",
            "created_at",
            "id",
        ],
        postgresql_where=sa.text("status IN ('open', 'in_review', 'second_review', 'appealed')"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_cases_review_queue_order", table_name="cases")
