"""A note's text can be redacted by an administrator: who, when and why are kept

Revision ID: 0038_note_redaction
Revises: 0037_quality_case_checker
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0038_note_redaction"
down_revision = "0037_quality_case_checker"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("redacted_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("redacted_by", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("redaction_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.drop_column("redaction_reason")
        batch_op.drop_column("redacted_by")
        batch_op.drop_column("redacted_at")
