"""staff invites: single-use links with which an invited staff member chooses their password
(auth.invites)

Revision ID: 0018_staff_invites
Revises: 0017_console_two_factor
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0018_staff_invites"
down_revision = "0017_console_two_factor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = takedown.store.base.UtcDateTime(timezone=True)
    op.create_table(
        "staff_invites",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=False),
        sa.Column("used_at", when, nullable=True),
    )
    op.create_index("ix_staff_invites_user_id", "staff_invites", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_invites_user_id", table_name="staff_invites")
    op.drop_table("staff_invites")
