"""extra signals for altered copies

Revision ID: 0006_match_quality
Revises: 0005_ncmec

Placeholder in the chain; the issue that owns it fills in upgrade() and downgrade().
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import takedown.store.base  # noqa: F401

revision = "0006_match_quality"
down_revision = "0005_ncmec"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
