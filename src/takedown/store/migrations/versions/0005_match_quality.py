"""extra signals for altered copies

Revision ID: 0005_match_quality
Revises: 0004_enforcement

Placeholder in the chain; the issue that owns it fills in upgrade() and downgrade().
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import takedown.store.base  # noqa: F401

revision = "0005_match_quality"
down_revision = "0004_enforcement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
