"""outbox, accounts and strikes, evidence vault, statements of reasons

Revision ID: 0004_enforcement
Revises: 0003_review
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0004_enforcement"
down_revision = "0003_review"
branch_labels = None
depends_on = None

Utc = takedown.store.base.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", Utc(timezone=True), nullable=False),
        sa.Column("next_attempt_at", Utc(timezone=True), nullable=False),
        sa.Column("delivered_at", Utc(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events") as batch_op:
        batch_op.create_index("ix_outbox_events_due", ["status", "next_attempt_at"])
        batch_op.create_index(batch_op.f("ix_outbox_events_event_type"), ["event_type"])
        batch_op.create_index(batch_op.f("ix_outbox_events_case_id"), ["case_id"])


def downgrade() -> None:
    op.drop_table("outbox_events")
