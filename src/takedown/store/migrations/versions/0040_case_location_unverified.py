"""A case whose content id and address came from a report hidden from its reporter: other
reports do not find it by them (reports/flows.py)

Revision ID: 0040_case_location_unverified
Revises: 0039_report_case_hidden
"""

import sqlalchemy as sa
from alembic import op

revision = "0040_case_location_unverified"
down_revision = "0039_report_case_hidden"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild on SQLite would list the indexes in a hash-seeded order.
    op.add_column(
        "cases",
        sa.Column("location_unverified", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("location_unverified")
