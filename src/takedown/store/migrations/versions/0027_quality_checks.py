"""quality checks: sampled final decisions, decided again blind by another reviewer (quality/)

Revision ID: 0027_quality_checks
Revises: 0026_case_notes
"""

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0027_quality_checks"
down_revision = "0026_case_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_checks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=False),
        sa.Column("decided_outcome", sa.String(length=20), nullable=False),
        sa.Column("decided_category", sa.String(length=40), nullable=False),
        sa.Column("sampled_at", takedown.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("checked_by", sa.String(length=40), nullable=True),
        sa.Column("checked_at", takedown.store.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("policy", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("agrees", sa.Boolean(), nullable=True),
        sa.Column("appeal_id", sa.String(length=40), nullable=True),
        sa.Column("not_reopened_because", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name=op.f("fk_quality_checks_appeal_id_appeals")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_quality_checks_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["checked_by"], ["users.id"], name=op.f("fk_quality_checks_checked_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_quality_checks_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_quality_checks_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_checks")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_quality_checks_decision_id")),
    )
    with op.batch_alter_table("quality_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_checks_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quality_checks_checked_by"), ["checked_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_quality_checks_decided_by"), ["decided_by"], unique=False
        )
        batch_op.create_index(
            "ix_quality_checks_status_sampled", ["status", "sampled_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("quality_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_checks_status_sampled")
        batch_op.drop_index(batch_op.f("ix_quality_checks_decided_by"))
        batch_op.drop_index(batch_op.f("ix_quality_checks_checked_by"))
        batch_op.drop_index(batch_op.f("ix_quality_checks_case_id"))

    op.drop_table("quality_checks")
