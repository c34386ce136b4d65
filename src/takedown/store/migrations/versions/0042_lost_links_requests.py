"""`/track` requests for an address's tracking links, answered by a job so the page takes the
same time whether or not the address reported (reports/lost_links.py)

Revision ID: 0042_lost_links_requests
Revises: 0041_user_origin_disabled_by
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0042_lost_links_requests"
down_revision = "0041_user_origin_disabled_by"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lost_links_requests",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("requested_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lost_links_requests")),
    )
    op.create_index(
        op.f("ix_lost_links_requests_email"), "lost_links_requests", ["email"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_lost_links_requests_email"), table_name="lost_links_requests")
    op.drop_table("lost_links_requests")
