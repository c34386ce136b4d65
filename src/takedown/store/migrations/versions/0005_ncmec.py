"""NCMEC CyberTipline reports and their file uploads

Revision ID: 0005_ncmec
Revises: 0004_enforcement
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import takedown.store.base

revision = "0005_ncmec"
down_revision = "0004_enforcement"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "ncmec_filings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=True),
        sa.Column("environment", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("ncmec_report_id", sa.String(length=40), nullable=True),
        sa.Column("report_xml", sa.Text(), nullable=True),
        sa.Column("receipt_xml", sa.Text(), nullable=True),
        sa.Column("finished_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_response_code", sa.Integer(), nullable=True),
        sa.Column("retracted_report_ids", _json(), nullable=False),
        sa.Column("history", _json(), nullable=False),
        sa.Column("created_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_ncmec_filings_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_ncmec_filings_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ncmec_filings")),
    )
    with op.batch_alter_table("ncmec_filings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ncmec_filings_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ncmec_filings_ncmec_report_id"), ["ncmec_report_id"], unique=False
        )
        batch_op.create_index("ix_ncmec_filings_due", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "ncmec_files",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("filing_id", sa.String(length=40), nullable=False),
        sa.Column("ncmec_report_id", sa.String(length=40), nullable=False),
        sa.Column("file_id", sa.String(length=100), nullable=False),
        sa.Column(
            "case_media_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("details_sent", sa.Boolean(), nullable=False),
        sa.Column("uploaded_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"], ["ncmec_filings.id"], name=op.f("fk_ncmec_files_filing_id_ncmec_filings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ncmec_files")),
    )
    with op.batch_alter_table("ncmec_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ncmec_files_filing_id"), ["filing_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ncmec_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ncmec_files_filing_id"))
    op.drop_table("ncmec_files")
    with op.batch_alter_table("ncmec_filings", schema=None) as batch_op:
        batch_op.drop_index("ix_ncmec_filings_due")
        batch_op.drop_index(batch_op.f("ix_ncmec_filings_ncmec_report_id"))
        batch_op.drop_index(batch_op.f("ix_ncmec_filings_case_id"))
    op.drop_table("ncmec_filings")
