"""Prometheus gauges of the statements of reasons on their way to the DSA Transparency Database
(DSA Art 24(5): "without undue delay"), read from the database by the `dsa-statements` job."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from takedown import clock
from takedown.metrics import database_gauge
from takedown.transparency.models import StatementRecord

WAITING = database_gauge(
    "takedown_statements_of_reasons_waiting",
    "Statements of reasons not yet accepted by the DSA Transparency Database.",
)
OLDEST_WAITING = database_gauge(
    "takedown_statements_of_reasons_oldest_waiting_seconds",
    "Age of the oldest statement of reasons not yet accepted; 0 when none waits.",
)
REJECTED = database_gauge(
    "takedown_statements_of_reasons_rejected",
    "Statements of reasons the DSA Transparency Database refused (to fix and queue again).",
)


def refresh_statement_gauges(db_session: Session) -> None:
    """Counted through the status index: waiting statements are the backlog, rejected ones few."""
    waiting, oldest = db_session.execute(
        select(func.count(), func.min(StatementRecord.created_at)).where(
            StatementRecord.status == "pending"
        )
    ).one()
    rejected = db_session.scalar(select(func.count()).where(StatementRecord.status == "rejected"))
    WAITING.set(int(waiting or 0))
    age = (clock.now() - oldest).total_seconds() if oldest is not None else 0.0
    OLDEST_WAITING.set(max(age, 0.0))
    REJECTED.set(int(rejected or 0))
