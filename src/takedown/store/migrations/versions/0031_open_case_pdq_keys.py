"""open_case_pdq_keys: the 16-bit chunks of open cases' PDQ rows, so a report's picture or video
finds a near-identical open case by multi-index hashing instead of reading every open case's
hashes under the intake lock (cases/near_search.py); filled here for the cases open now

Revision ID: 0031_open_case_pdq_keys
Revises: 0030_quality_referral
"""

import sqlalchemy as sa
from alembic import op

revision = "0031_open_case_pdq_keys"
down_revision = "0030_quality_referral"
branch_labels = None
depends_on = None

# As of this revision (cases/models.py): a later change to either must not change this migration.
OPEN_STATUSES = ("watching", "open", "in_review", "second_review", "appealed")
KEYED_SIGNALS = ("pdq", "vpdq_frame")
BATCH = 5000


def upgrade() -> None:
    keys = op.create_table(
        "open_case_pdq_keys",
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "signal_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["case_media_signals.id"],
            name=op.f("fk_open_case_pdq_keys_signal_id_case_media_signals"),
        ),
        sa.PrimaryKeyConstraint("key", "signal_id", name=op.f("pk_open_case_pdq_keys")),
    )
    with op.batch_alter_table("open_case_pdq_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open_case_pdq_keys_case_id"), ["case_id"])
    _key_open_cases(keys)


def _key_open_cases(keys: sa.Table) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT s.id, s.case_id, s.signal_type, s.value FROM case_media_signals s "
            "JOIN cases c ON c.id = s.case_id "
            "WHERE s.signal_type IN :types AND c.status IN :statuses ORDER BY s.id"
        ).bindparams(
            sa.bindparam("types", expanding=True), sa.bindparam("statuses", expanding=True)
        ),
        {"types": list(KEYED_SIGNALS), "statuses": list(OPEN_STATUSES)},
    ).all()
    batch: list[dict[str, object]] = []
    for signal_id, case_id, signal_type, value in rows:
        if len(value) != 64:
            continue
        try:
            chunks = [int(value[4 * i : 4 * i + 4], 16) for i in range(16)]
        except ValueError:
            continue
        batch.extend(
            {
                "key": KEYED_SIGNALS.index(signal_type) << 20 | i << 16 | chunk,
                "signal_id": signal_id,
                "case_id": case_id,
            }
            for i, chunk in enumerate(chunks)
        )
        if len(batch) >= BATCH:
            connection.execute(sa.insert(keys), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(keys), batch)
    if connection.dialect.name == "postgresql":  # statistics now, not at autovacuum's next pass
        connection.execute(sa.text("ANALYZE open_case_pdq_keys"))


def downgrade() -> None:
    with op.batch_alter_table("open_case_pdq_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open_case_pdq_keys_case_id"))
    op.drop_table("open_case_pdq_keys")
