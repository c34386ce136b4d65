"""Whether a user checked a case, through one index on (case_id, checked_by)

SQLite without statistics chose between the case index and the checker index by the order
the schema lists them, and with the checker's it read every check they ever did.

Revision ID: 0037_quality_case_checker
Revises: 0036_case_assignee
"""

from alembic import op

revision = "0037_quality_case_checker"
down_revision = "0036_case_assignee"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quality_checks", schema=None) as batch_op:
        batch_op.create_index("ix_quality_checks_case_checker", ["case_id", "checked_by"])
        batch_op.drop_index("ix_quality_checks_case_id")


def downgrade() -> None:
    with op.batch_alter_table("quality_checks", schema=None) as batch_op:
        batch_op.create_index("ix_quality_checks_case_id", ["case_id"])
        batch_op.drop_index("ix_quality_checks_case_checker")
