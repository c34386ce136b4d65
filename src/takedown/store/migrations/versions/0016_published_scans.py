"""content_items.published: content scanned after it was public (POST /v1/scan published=true,
a back-catalogue scan); a csam or ncii match opens a case at once (reports channel
`back_catalogue`)

Revision ID: 0016_published_scans
Revises: 0015_reporter_contact_erasure
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_published_scans"
down_revision = "0015_reporter_contact_erasure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "content_items",
        sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("content_items", "published")
