"""account sweeps: after a violating decision on child sexual abuse, exploitation or intimate
imagery, the copy search also opens the uploader's other uploads for review
(enforcement/account_sweep.py)

Revision ID: 0025_account_sweeps
Revises: 0024_withdrawn_reports
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_account_sweeps"
down_revision = "0024_withdrawn_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "copy_searches",
        sa.Column("sweep_limit", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("copy_searches", sa.Column("swept_below", sa.BigInteger(), nullable=True))
    op.add_column(
        "copy_searches", sa.Column("swept", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade() -> None:
    for column in ("swept", "swept_below", "sweep_limit"):
        op.drop_column("copy_searches", column)
