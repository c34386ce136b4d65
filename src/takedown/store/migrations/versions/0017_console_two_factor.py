"""console sign-in with a second factor: TOTP secrets on staff users, one-time recovery codes
(auth.two_factor)

Revision ID: 0017_console_two_factor
Revises: 0016_published_scans
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0017_console_two_factor"
down_revision = "0016_published_scans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = takedown.store.base.UtcDateTime(timezone=True)
    op.add_column("users", sa.Column("two_factor_secret", sa.String(64), nullable=True))
    op.add_column("users", sa.Column("two_factor_enabled_at", when, nullable=True))
    op.add_column("users", sa.Column("two_factor_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("used_at", when, nullable=True),
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_recovery_codes_user_id", table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_column("users", "two_factor_last_step")
    op.drop_column("users", "two_factor_enabled_at")
    op.drop_column("users", "two_factor_secret")
