"""The open cases a lead assigned to a reviewer, counted on every queue page they open

Revision ID: 0036_case_assignee
Revises: 0035_period_indexes
"""

from alembic import op

revision = "0036_case_assignee"
down_revision = "0035_period_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_assignee_status", ["assigned_to", "status"])


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_assignee_status")
