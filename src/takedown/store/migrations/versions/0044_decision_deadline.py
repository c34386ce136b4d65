"""The case's deadline recorded on each decision, so an appeal's new deadline does not rewrite
whether the case was decided in time (transparency report, time-to-action gauges)

Revision ID: 0044_decision_deadline
Revises: 0042_lost_links_requests
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0044_decision_deadline"
down_revision = "0042_lost_links_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Earlier decisions stay NULL: readers fall back to the case's deadline, as before. A plain
    # ADD COLUMN: a batch rebuild on SQLite would list the indexes in a hash-seeded order.
    op.add_column(
        "decisions",
        sa.Column("deadline_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("deadline_at")
