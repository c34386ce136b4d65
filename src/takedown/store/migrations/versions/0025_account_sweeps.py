"""account sweeps: an account's other uploads opened for review once material it posted is
confirmed (enforcement/account_sweep.py); a reviewer clears an account's flag with a note

Revision ID: 0025_account_sweeps
Revises: 0024_withdrawn_reports
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0025_account_sweeps"
down_revision = "0024_withdrawn_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_sweeps",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("max_uploads", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("below", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("lease_until", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_sweeps")),
    )
    with op.batch_alter_table("account_sweeps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_sweeps_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_account_sweeps_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_account_sweeps_due", ["status", "lease_until"], unique=False)
    op.add_column(
        "accounts",
        sa.Column("flag_cleared_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
    )
    op.add_column("accounts", sa.Column("flag_cleared_by", sa.String(length=80), nullable=True))
    op.add_column("accounts", sa.Column("flag_note", sa.Text(), nullable=True))


def downgrade() -> None:
    for column in ("flag_note", "flag_cleared_by", "flag_cleared_at"):
        op.drop_column("accounts", column)
    with op.batch_alter_table("account_sweeps", schema=None) as batch_op:
        batch_op.drop_index("ix_account_sweeps_due")
        batch_op.drop_index(batch_op.f("ix_account_sweeps_case_id"))
        batch_op.drop_index(batch_op.f("ix_account_sweeps_account_id"))
    op.drop_table("account_sweeps")
