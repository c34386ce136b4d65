"""A report whose reporter is shown nothing of its case: by fingerprint alone, or sending media
that the place it names does not hold (reports/flows.py)

Revision ID: 0039_report_case_hidden
Revises: 0038_note_redaction
"""

import sqlalchemy as sa
from alembic import op

revision = "0039_report_case_hidden"
down_revision = "0038_note_redaction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild on SQLite would list the indexes in a hash-seeded order.
    op.add_column(
        "reports",
        sa.Column("case_hidden", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        "UPDATE reports SET case_hidden = true WHERE content_url IS NULL "
        "AND content_id IS NULL AND has_media = false"
    )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("case_hidden")
