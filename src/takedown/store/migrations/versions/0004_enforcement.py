"""outbox, accounts and strikes, evidence vault, statements of reasons

Revision ID: 0004_enforcement
Revises: 0003_review

Placeholder in the chain; the issue that owns it fills in upgrade() and downgrade().
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import takedown.store.base  # noqa: F401

revision = "0004_enforcement"
down_revision = "0003_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
