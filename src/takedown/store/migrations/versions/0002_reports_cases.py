"""reports, cases, deadlines, reporters, audit log

Revision ID: 0002_reports_cases
Revises: 0001_core

Placeholder in the chain; the issue that owns it fills in upgrade() and downgrade().
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import takedown.store.base  # noqa: F401

revision = "0002_reports_cases"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
