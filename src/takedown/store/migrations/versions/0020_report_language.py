"""report language: the reporter's language for their emails and tracking page (i18n)

Revision ID: 0020_report_language
Revises: 0019_report_additions
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_report_language"
down_revision = "0019_report_additions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("language", sa.String(35), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("language")
