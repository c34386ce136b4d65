"""designated trusted flaggers: a report counts as a trusted flagger's only when sent with a key
holding the `trusted_flagger` scope (a role claimed in the report is kept, but not trusted)

Revision ID: 0009_designated_trusted_flaggers
Revises: 0008_case_merging
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_designated_trusted_flaggers"
down_revision = "0008_case_merging"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "reports",
        sa.Column("trusted_flagger", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("reports", "trusted_flagger")
