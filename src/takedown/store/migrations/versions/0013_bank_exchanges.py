"""bank exchanges: a bank follows a hash exchange (NCMEC hash sharing, StopNCII, a local file);
which exchange records hold which hashes, so a withdrawn record's hashes stop matching

Revision ID: 0013_bank_exchanges
Revises: 0012_blocked_upload_cases
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0013_bank_exchanges"
down_revision = "0012_blocked_upload_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = takedown.store.base.UtcDateTime(timezone=True)
    document = takedown.store.base.JsonDocument
    op.create_table(
        "bank_exchanges",
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("api", sa.String(40), nullable=False),
        sa.Column("config", document, nullable=False),
        sa.Column("checkpoint", document, nullable=True),
        sa.Column("every_minutes", sa.Integer(), nullable=False),
        sa.Column("next_sync_at", when, nullable=False),
        sa.Column("claimed_until", when, nullable=True),
        sa.Column("last_synced_at", when, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("totals", document, nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("updated_at", when, nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name=op.f("fk_bank_exchanges_bank_id_banks")
        ),
        sa.PrimaryKeyConstraint("bank_id", name=op.f("pk_bank_exchanges")),
    )
    op.create_table(
        "exchange_signals",
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(255), nullable=False),
        sa.Column("signal_type", sa.String(40), nullable=False),
        sa.Column("value_digest", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name=op.f("fk_exchange_signals_bank_id_banks")
        ),
        sa.PrimaryKeyConstraint(
            "bank_id", "record_key", "signal_type", "value_digest", name=op.f("pk_exchange_signals")
        ),
    )
    op.create_index(
        "ix_exchange_signals_value",
        "exchange_signals",
        ["bank_id", "signal_type", "value_digest"],
    )


def downgrade() -> None:
    op.drop_index("ix_exchange_signals_value", table_name="exchange_signals")
    op.drop_table("exchange_signals")
    op.drop_table("bank_exchanges")
