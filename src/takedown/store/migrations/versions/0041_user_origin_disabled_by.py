"""Who created a staff user (Takedown or the identity provider's SCIM) and who disabled them:
SCIM changes only the users it created, and never undoes a disable made by staff
(scim/service.py)

Revision ID: 0041_user_origin_disabled_by
Revises: 0040_case_location_unverified
"""

import sqlalchemy as sa
from alembic import op

revision = "0041_user_origin_disabled_by"
down_revision = "0040_case_location_unverified"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch rebuild on SQLite would list the indexes in a hash-seeded order.
    op.add_column("users", sa.Column("disabled_by", sa.String(length=200), nullable=True))
    op.add_column(
        "users",
        sa.Column("origin", sa.String(length=20), nullable=False, server_default="takedown"),
    )
    # From the audit log: the users a SCIM key created, and who disabled each disabled user
    # last (a disabled user nobody is found for counts as disabled by staff).
    op.execute(
        "UPDATE users SET origin = 'scim' WHERE id IN (SELECT subject FROM audit_entries "
        "WHERE action = 'user.created' AND actor LIKE 'scim:%')"
    )
    op.execute(
        "UPDATE users SET disabled_by = COALESCE((SELECT a.actor FROM audit_entries a "
        "WHERE a.action = 'user.disabled' AND a.subject = users.id ORDER BY a.seq DESC LIMIT 1), "
        "'unknown') WHERE disabled"
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("origin")
        batch_op.drop_column("disabled_by")
