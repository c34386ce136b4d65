"""removal checks: after a removal order, Takedown asks the platform whether the item is really
down, and alerts on-call while it is still up

Revision ID: 0011_removal_checks
Revises: 0010_ledger_url_key
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0011_removal_checks"
down_revision = "0010_ledger_url_key"
branch_labels = None
depends_on = None

UTC_TIME = takedown.store.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("case_copies", sa.Column("next_removal_check_at", UTC_TIME, nullable=True))
    op.add_column("case_copies", sa.Column("removal_verified_at", UTC_TIME, nullable=True))
    op.add_column(
        "case_copies",
        sa.Column("still_up_checks", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("case_copies", sa.Column("last_removal_check_at", UTC_TIME, nullable=True))
    op.add_column("case_copies", sa.Column("removal_check_error", sa.Text(), nullable=True))
    op.create_index(
        "ix_case_copies_next_removal_check_at", "case_copies", ["next_removal_check_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_case_copies_next_removal_check_at", table_name="case_copies")
    for column in (
        "removal_check_error",
        "last_removal_check_at",
        "still_up_checks",
        "removal_verified_at",
        "next_removal_check_at",
    ):
        op.drop_column("case_copies", column)
