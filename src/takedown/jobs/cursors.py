"""The cursor of a job that follows an append-only table (match events, the index change log)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from takedown import clock
from takedown.jobs.models import JobCursor
from takedown.store.db import lock_on_sqlite


def locked_cursor(db_session: Session, name: str) -> JobCursor:
    """The job's cursor, locked for this transaction (created at 0 on first use; a concurrent
    first use by another process fails this transaction with an IntegrityError, and the next run
    goes on)."""
    lock_on_sqlite(db_session)  # before the read, as FOR UPDATE reads under the lock
    cursor = db_session.get(JobCursor, name, with_for_update=True)
    if cursor is None:
        cursor = JobCursor(name=name, position=0, updated_at=clock.now())
        db_session.add(cursor)
        db_session.flush()
    return cursor
