"""decisions, appeals, claims, console sessions

Revision ID: 0003_review
Revises: 0002_reports_cases

Placeholder in the chain; the issue that owns it fills in upgrade() and downgrade().
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import takedown.store.base  # noqa: F401

revision = "0003_review"
down_revision = "0002_reports_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
