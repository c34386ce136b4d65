"""lookback: uploads scanned before a hash was banked are matched again against the hashes
banked since, and a live match opens a case (reports channel `found_after_upload`)

Revision ID: 0014_lookback
Revises: 0013_bank_exchanges
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0014_lookback"
down_revision = "0013_bank_exchanges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = takedown.store.base.UtcDateTime(timezone=True)
    op.create_table(
        "lookback_searches",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("changes_after", sa.BigInteger(), nullable=False),
        sa.Column("changes_to", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("ledger_end", sa.BigInteger(), nullable=False),
        sa.Column("searched", sa.BigInteger(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("claimed_until", when, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("finished_at", when, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookback_searches")),
    )
    op.create_index(
        op.f("ix_lookback_searches_status"), "lookback_searches", ["status"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_lookback_searches_status"), table_name="lookback_searches")
    op.drop_table("lookback_searches")
