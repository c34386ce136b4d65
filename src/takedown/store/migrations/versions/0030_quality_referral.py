"""quality_checks.referred_case_id: a check that found child sexual abuse where the case stands as
something else refers it to child-safety review (quality/service.py)

Revision ID: 0030_quality_referral
Revises: 0029_case_assignment
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_quality_referral"
down_revision = "0029_case_assignment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quality_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referred_case_id", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_quality_checks_referred_case_id_cases"),
            "cases",
            ["referred_case_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("quality_checks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_quality_checks_referred_case_id_cases"), type_="foreignkey"
        )
        batch_op.drop_column("referred_case_id")
