"""watching cases: a report by fingerprint alone waits for a matching upload without a running
deadline; found_at says when the first one arrived (cases.models.CaseStatus.WATCHING)

Revision ID: 0023_watching_cases
Revises: 0022_sealed_two_factor_secrets
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0023_watching_cases"
down_revision = "0022_sealed_two_factor_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "cases",
        sa.Column("found_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
    )
    # Open cases from fingerprints alone that nothing has matched yet stop escalating.
    op.execute(
        "UPDATE cases SET status = 'watching', next_escalation_at = NULL, escalation_level = 0"
        " WHERE status = 'open' AND content_id IS NULL AND content_url IS NULL"
        " AND claimed_by IS NULL"
        " AND EXISTS (SELECT 1 FROM report_fingerprints f WHERE f.case_id = cases.id)"
        " AND NOT EXISTS (SELECT 1 FROM case_media m WHERE m.case_id = cases.id)"
    )


def downgrade() -> None:
    op.execute("UPDATE cases SET status = 'open' WHERE status = 'watching'")
    op.drop_column("cases", "found_at")
