"""outbox, accounts and strikes, evidence vault, statements of reasons

Revision ID: 0004_enforcement
Revises: 0003_review
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import takedown.store.base

revision = "0004_enforcement"
down_revision = "0003_review"
branch_labels = None
depends_on = None

TABLES = (
    "case_media_cleanups",
    "evidence_files",
    "account_strikes",
    "statements_of_reasons",
    "outbox_events",
    "evidence_packages",
    "case_copies",
    "case_bank_entries",
    "accounts",
)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("strike_count", sa.Integer(), nullable=False),
        sa.Column("suspended_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("suspended_reason", sa.Text(), nullable=True),
        sa.Column("suspended_by_case_id", sa.String(length=40), nullable=True),
        sa.Column("flagged_for_review", sa.Boolean(), nullable=False),
        sa.Column("flag_reason", sa.Text(), nullable=True),
        sa.Column("flagged_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_table(
        "case_bank_entries",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("signal_type", sa.String(length=40), nullable=False),
        sa.Column("added_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_bank_entries")),
        sa.UniqueConstraint("case_id", "entry_id", name="uq_case_bank_entries_entry"),
    )
    with op.batch_alter_table("case_bank_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_bank_entries_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_copies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("content_id", sa.String(length=255), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column("content_item_id", sa.BigInteger(), nullable=True),
        sa.Column("match_kind", sa.String(length=20), nullable=False),
        sa.Column("signal_type", sa.String(length=40), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("media_type", sa.String(length=20), nullable=True),
        sa.Column("uploaded_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("removed_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("restored_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_copies")),
        sa.UniqueConstraint("case_id", "content_id", name="uq_case_copies_item"),
    )
    with op.batch_alter_table("case_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_copies_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_copies_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_copies_content_id"), ["content_id"], unique=False)

    op.create_table(
        "evidence_packages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=True),
        sa.Column("preserved_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "ncmec_reported_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("retain_until", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("legal_hold_reason", sa.Text(), nullable=True),
        sa.Column("legal_hold_by", sa.String(length=200), nullable=True),
        sa.Column("purged_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_packages")),
        sa.UniqueConstraint("case_id", name=op.f("uq_evidence_packages_case_id")),
    )
    with op.batch_alter_table("evidence_packages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_packages_retain_until"), ["retain_until"], unique=False
        )

    op.create_table(
        "outbox_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "next_attempt_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("delivered_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("retry_until", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_events_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_outbox_events_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_events_event_type"), ["event_type"], unique=False
        )

    op.create_table(
        "statements_of_reasons",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=True),
        sa.Column("decision_id", sa.String(length=40), nullable=True),
        sa.Column("content_id", sa.String(length=255), nullable=True),
        sa.Column("account_id", sa.String(length=255), nullable=True),
        sa.Column("restriction", sa.String(length=40), nullable=False),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("database_uuid", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements_of_reasons")),
    )
    with op.batch_alter_table("statements_of_reasons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statements_of_reasons_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statements_of_reasons_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statements_of_reasons_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_statements_of_reasons_status"), ["status"], unique=False
        )

    op.create_table(
        "account_strikes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=True),
        sa.Column("policy", sa.String(length=120), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("created_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_strikes_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_strikes")),
    )
    with op.batch_alter_table("account_strikes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_strikes_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_account_strikes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "evidence_files",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("package_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("storage_path", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["evidence_packages.id"],
            name=op.f("fk_evidence_files_package_id_evidence_packages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_files_package_id"), ["package_id"], unique=False
        )
    op.create_table(
        "case_media_cleanups",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("cleaned_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("files_deleted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_media_cleanups")),
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
