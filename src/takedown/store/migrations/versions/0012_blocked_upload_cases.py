"""blocked upload cases: an upload blocked by a CSAM bank opens a case (reports channel
`hash_match`), found by a job that follows the match events from a stored cursor

Revision ID: 0012_blocked_upload_cases
Revises: 0011_removal_checks
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0012_blocked_upload_cases"
down_revision = "0011_removal_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_cursors",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_cursors")),
    )


def downgrade() -> None:
    op.drop_table("job_cursors")
