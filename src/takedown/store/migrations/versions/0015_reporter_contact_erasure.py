"""reporters' names, email addresses and signatures are erased once their case has been closed
for `TAKEDOWN_REPORTER_CONTACT_RETENTION_DAYS` (reports.retention)

Revision ID: 0015_reporter_contact_erasure
Revises: 0014_lookback
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0015_reporter_contact_erasure"
down_revision = "0014_lookback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = takedown.store.base.UtcDateTime(timezone=True)
    op.add_column("reports", sa.Column("contact_erased_at", when, nullable=True))


def downgrade() -> None:
    op.drop_column("reports", "contact_erased_at")
