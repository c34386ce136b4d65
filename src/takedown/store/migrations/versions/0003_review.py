"""decisions, appeals, claims, console sessions

Revision ID: 0003_review
Revises: 0002_reports_cases

Claims live on cases (claimed_by, claimed_at) and appeals in 0002; this adds decisions and the
console's server-side login sessions.
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0003_review"
down_revision = "0002_reports_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("appeal_id", sa.String(length=40), nullable=True),
        sa.Column("reviewer_id", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("policy", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=4), nullable=True),
        sa.Column("appeal_outcome", sa.String(length=20), nullable=True),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("decided_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_decisions_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_decisions_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_decisions_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_appeal_id"), ["appeal_id"], unique=False)
        batch_op.create_index("ix_decisions_case_decided", ["case_id", "decided_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_reviewer_id"), ["reviewer_id"], unique=False)

    op.create_table(
        "console_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_console_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_sessions_user_id"))
    op.drop_table("console_sessions")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_reviewer_id"))
        batch_op.drop_index("ix_decisions_case_decided")
        batch_op.drop_index(batch_op.f("ix_decisions_appeal_id"))
    op.drop_table("decisions")
