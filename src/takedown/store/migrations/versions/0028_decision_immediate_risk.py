"""decisions.immediate_risk: a child at immediate risk (escalates the CyberTipline report)

Revision ID: 0028_decision_immediate_risk
Revises: 0027_quality_checks
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_decision_immediate_risk"
down_revision = "0027_quality_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("immediate_risk", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("immediate_risk")
