"""Indexes for reading a period (the transparency report, the overview's last week, the team's
week of exposure, the webhooks page's week) without the history before it, and for what waits
now: open appeals, items still up, quality checks done since

Revision ID: 0035_period_indexes
Revises: 0034_bank_entry_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0035_period_indexes"
down_revision = "0034_bank_entry_counts"
branch_labels = None
depends_on = None

STILL_UP_WHERE = "still_up_checks > 0 AND removal_verified_at IS NULL AND restored_at IS NULL"
WITHDRAWN_WHERE = "withdrawn_at IS NOT NULL"
PLAIN = {
    "appeals": ["created_at", "decided_at"],
    "case_copies": ["removed_at"],
    "cases": ["created_at"],
    "decisions": ["decided_at"],
}
COMPOSITE = {
    "appeals": {"ix_appeals_status_created": ["status", "created_at"]},
    "outbox_events": {"ix_outbox_events_status_created": ["status", "created_at"]},
    "ncmec_filings": {"ix_ncmec_filings_finished": ["state", "finished_at"]},
    "quality_checks": {"ix_quality_checks_status_checked": ["status", "checked_at"]},
}


def upgrade() -> None:
    for table, columns in PLAIN.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column])
    for table, indexes in COMPOSITE.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in indexes.items():
                batch_op.create_index(name, columns)
    with op.batch_alter_table("case_copies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_copies_still_up",
            ["id"],
            sqlite_where=sa.text(STILL_UP_WHERE),
            postgresql_where=sa.text(STILL_UP_WHERE),
        )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reports_withdrawn",
            ["withdrawn_at"],
            sqlite_where=sa.text(WITHDRAWN_WHERE),
            postgresql_where=sa.text(WITHDRAWN_WHERE),
        )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_appeal_id"))
        batch_op.create_index("ix_decisions_appeal_decided", ["appeal_id", "decided_at"])
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_action"))
        batch_op.create_index("ix_audit_entries_action_at", ["action", "at"])


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_action_at")
        batch_op.create_index(batch_op.f("ix_audit_entries_action"), ["action"])
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_appeal_decided")
        batch_op.create_index(batch_op.f("ix_decisions_appeal_id"), ["appeal_id"])
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_withdrawn")
    with op.batch_alter_table("case_copies", schema=None) as batch_op:
        batch_op.drop_index("ix_case_copies_still_up")
    for table, indexes in COMPOSITE.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(name)
    for table, columns in PLAIN.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
