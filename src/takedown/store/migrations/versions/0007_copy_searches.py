"""copy searches: the every-copy ledger search runs as a job after the decision

Revision ID: 0007_copy_searches
Revises: 0006_match_quality
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import takedown.store.base

revision = "0007_copy_searches"
down_revision = "0006_match_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "copy_searches",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "signals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("pdq_threshold", sa.Integer(), nullable=False),
        sa.Column("uploader", sa.String(length=255), nullable=True),
        sa.Column("policy", sa.String(length=120), nullable=False),
        sa.Column("searched_up_to", sa.BigInteger(), nullable=False),
        sa.Column("last_item_id", sa.BigInteger(), nullable=False),
        sa.Column("target_set_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("target_final", sa.Boolean(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("created_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_copy_searches")),
    )
    with op.batch_alter_table("copy_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_copy_searches_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_copy_searches_due", ["status", "lease_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("copy_searches", schema=None) as batch_op:
        batch_op.drop_index("ix_copy_searches_due")
        batch_op.drop_index(batch_op.f("ix_copy_searches_case_id"))
    op.drop_table("copy_searches")
