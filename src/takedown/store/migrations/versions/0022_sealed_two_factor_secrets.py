"""sealed two-factor secrets: the column holds a Fernet token, not the base32 secret
(auth.sealed_secrets; secrets already stored are sealed when the server starts)

Revision ID: 0022_sealed_two_factor_secrets
Revises: 0021_report_fingerprints
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_sealed_two_factor_secrets"
down_revision = "0021_report_fingerprints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.alter_column("two_factor_secret", existing_type=sa.String(64), type_=sa.String(255))


def downgrade() -> None:
    # A sealed secret does not fit the old column: enrolments are forgotten (users enrol again).
    op.execute(
        "UPDATE users SET two_factor_secret = NULL, two_factor_enabled_at = NULL,"
        " two_factor_last_step = NULL"
    )
    with op.batch_alter_table("users") as users:
        users.alter_column("two_factor_secret", existing_type=sa.String(255), type_=sa.String(64))
