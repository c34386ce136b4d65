"""withdrawn fingerprint reports: an intimate-imagery reporter stops the search for their
fingerprints (reports.withdrawal); a watching case whose every report is withdrawn closes as
`withdrawn`

Revision ID: 0024_withdrawn_reports
Revises: 0023_watching_cases
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0024_withdrawn_reports"
down_revision = "0023_watching_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "reports",
        sa.Column("withdrawn_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.execute("UPDATE cases SET status = 'no_action' WHERE status = 'withdrawn'")
    op.drop_column("reports", "withdrawn_at")
