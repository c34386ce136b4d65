"""report fingerprints: hashes of pictures reporters hold, sent instead of the pictures
(reports.fingerprints)

Revision ID: 0021_report_fingerprints
Revises: 0020_report_language
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0021_report_fingerprints"
down_revision = "0020_report_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = takedown.store.base.UtcDateTime(timezone=True)
    op.create_table(
        "report_fingerprints",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("report_id", sa.String(40), sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("case_id", sa.String(40), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("signal_type", sa.String(40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("bank_entry_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", when, nullable=False),
    )
    for column in ("report_id", "case_id", "bank_entry_id"):
        op.create_index(f"ix_report_fingerprints_{column}", "report_fingerprints", [column])


def downgrade() -> None:
    for column in ("report_id", "case_id", "bank_entry_id"):
        op.drop_index(f"ix_report_fingerprints_{column}", table_name="report_fingerprints")
    op.drop_table("report_fingerprints")
