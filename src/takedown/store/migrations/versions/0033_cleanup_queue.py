"""Periodic jobs read through indexes, not whole tables: the media cleanup reads a queue of due
cleanups (`case_media_cleanups.due_at`, filled for every closed case not yet cleaned) instead of
every closed case ever; the case gauges find the last day's decisions by `cases.decided_at`; the
account sweep counts flagged accounts by `ix_accounts_flagged`; the lookback leaves out the
entries cases banked by `case_bank_entries.entry_id`. The console's queue and case pages count the
reviewer's reveals and decisions by (actor, action, at) and (reviewer_id, decided_at), and find
whether the reviewer decided the case before by (case_id, reviewer_id); the webhooks page lists
events by `outbox_events.created_at`; the contact retention job reads only the reports whose
contact details are kept (a partial index)

Revision ID: 0033_cleanup_queue
Revises: 0032_recent_fingerprints
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0033_cleanup_queue"
down_revision = "0032_recent_fingerprints"
branch_labels = None
depends_on = None

CONTACT_KEPT = (
    "contact_erased_at IS NULL AND "
    "(reporter_name IS NOT NULL OR reporter_email IS NOT NULL OR signature IS NOT NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_flagged", ["flagged_for_review", "flagged_at"])
    with op.batch_alter_table("case_media_cleanups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("due_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column("cleaned_at", existing_type=sa.DATETIME(), nullable=True)
        batch_op.create_index(batch_op.f("ix_case_media_cleanups_due_at"), ["due_at"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_decided_at"), ["decided_at"])
    with op.batch_alter_table("case_bank_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_bank_entries_entry_id"), ["entry_id"])
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_actor_action_at", ["actor", "action", "at"])
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_reviewer_decided", ["reviewer_id", "decided_at"])
        batch_op.create_index("ix_decisions_case_reviewer", ["case_id", "reviewer_id"])
        batch_op.drop_index(batch_op.f("ix_decisions_reviewer_id"))
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_events_created_at"), ["created_at"])
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reports_contact_kept",
            ["id"],
            sqlite_where=sa.text(CONTACT_KEPT),
            postgresql_where=sa.text(CONTACT_KEPT),
        )
    op.execute(
        "INSERT INTO case_media_cleanups (case_id, due_at, cleaned_at, files_deleted) "
        "SELECT id, closed_at, NULL, 0 FROM cases WHERE closed_at IS NOT NULL "
        "AND id NOT IN (SELECT case_id FROM case_media_cleanups)"
    )


def downgrade() -> None:
    op.execute("DELETE FROM case_media_cleanups WHERE cleaned_at IS NULL")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_contact_kept")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_events_created_at"))
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_reviewer_id"), ["reviewer_id"])
        batch_op.drop_index("ix_decisions_case_reviewer")
        batch_op.drop_index("ix_decisions_reviewer_decided")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_actor_action_at")
    with op.batch_alter_table("case_bank_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_bank_entries_entry_id"))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_decided_at"))
    with op.batch_alter_table("case_media_cleanups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_media_cleanups_due_at"))
        batch_op.alter_column("cleaned_at", existing_type=sa.DATETIME(), nullable=False)
        batch_op.drop_column("due_at")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_flagged")
