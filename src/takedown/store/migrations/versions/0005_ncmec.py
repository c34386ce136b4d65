"""NCMEC CyberTipline reports and their file uploads

Revision ID: 0005_ncmec
Revises: 0004_enforcement

Placeholder in the chain; the issue that owns it fills in upgrade() and downgrade().
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import takedown.store.base  # noqa: F401

revision = "0005_ncmec"
down_revision = "0004_enforcement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
