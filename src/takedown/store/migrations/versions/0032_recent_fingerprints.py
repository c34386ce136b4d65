"""report_fingerprints.created_at indexed: intake compares a report with the fingerprints banked
in the last seconds (reports/fingerprints.py), and without the index SQLite reached them through
every open case

Revision ID: 0032_recent_fingerprints
Revises: 0031_open_case_pdq_keys
"""

from alembic import op

revision = "0032_recent_fingerprints"
down_revision = "0031_open_case_pdq_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_fingerprints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_fingerprints_created_at"), ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("report_fingerprints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_fingerprints_created_at"))
