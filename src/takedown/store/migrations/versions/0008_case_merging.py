"""case merging: a case whose fetched media matches another open case joins it

Revision ID: 0008_case_merging
Revises: 0007_copy_searches
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_case_merging"
down_revision = "0007_copy_searches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("merged_into", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "merged_into")
