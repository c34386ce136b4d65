"""report additions: what a reporter adds to their report from its tracking page while the case
is open (reports.additions)

Revision ID: 0019_report_additions
Revises: 0018_staff_invites
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0019_report_additions"
down_revision = "0018_staff_invites"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = takedown.store.base.UtcDateTime(timezone=True)
    op.create_table(
        "report_additions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("report_id", sa.String(40), sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("law_enforcement_agency", sa.String(200), nullable=True),
        sa.Column("law_enforcement_case_number", sa.String(100), nullable=True),
        sa.Column("subject_is_minor", sa.Boolean(), nullable=False),
        sa.Column("received_at", when, nullable=False),
    )
    op.create_index("ix_report_additions_report_id", "report_additions", ["report_id"])
    op.create_index("ix_report_additions_case_id", "report_additions", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_report_additions_case_id", table_name="report_additions")
    op.drop_index("ix_report_additions_report_id", table_name="report_additions")
    op.drop_table("report_additions")
