"""ledger URL key: a report that gives only a post's address finds the upload scanned there
(its content id and uploader), by the same normalised-URL key cases use

Revision ID: 0010_ledger_url_key
Revises: 0009_designated_trusted_flaggers
"""

import sqlalchemy as sa
from alembic import op

from takedown.content_urls import url_key

revision = "0010_ledger_url_key"
down_revision = "0009_designated_trusted_flaggers"
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    op.add_column("content_items", sa.Column("content_url_key", sa.String(64), nullable=True))
    _key_existing_rows()
    op.create_index("ix_content_items_content_url_key", "content_items", ["content_url_key"])


def _key_existing_rows() -> None:
    items = sa.table(
        "content_items",
        sa.column("id", sa.BigInteger),
        sa.column("content_url", sa.Text),
        sa.column("content_url_key", sa.String),
    )
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(items.c.id, items.c.content_url)
            .where(items.c.id > after, items.c.content_url.is_not(None))
            .order_by(items.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            items.update()
            .where(items.c.id == sa.bindparam("row_id"))
            .values(content_url_key=sa.bindparam("key")),
            [{"row_id": row_id, "key": url_key(url)} for row_id, url in rows],
        )
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_content_items_content_url_key", table_name="content_items")
    op.drop_column("content_items", "content_url_key")
