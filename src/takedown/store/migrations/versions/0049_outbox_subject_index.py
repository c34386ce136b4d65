"""An index on the outbox by item, for the delivery job's "no earlier event about this item is
still to deliver" check, which runs for every event it claims

Revision ID: 0049_outbox_subject_index
Revises: 0044_decision_deadline
"""

from alembic import op

revision = "0049_outbox_subject_index"
down_revision = "0044_decision_deadline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_events_subject_created", "outbox_events", ["subject", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_events_subject_created", table_name="outbox_events")
