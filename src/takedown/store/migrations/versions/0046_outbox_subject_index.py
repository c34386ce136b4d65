"""An index on the outbox by item, for the delivery job's "no earlier event about this item is
still to deliver" check, which runs for every event it claims

Revision ID: 0046_outbox_subject_index
Revises: 0045_review_queue_order
"""

from alembic import op

revision = "0046_outbox_subject_index"
down_revision = "0045_review_queue_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_events_subject_created", "outbox_events", ["subject", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_events_subject_created", table_name="outbox_events")
