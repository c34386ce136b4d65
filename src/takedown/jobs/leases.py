"""Claiming a row for one job run: several server processes run the same jobs, and a row one of
them works on carries a lease (a time) that the others wait out. A crashed worker's lease
simply passes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from takedown import clock


def is_free(lease: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    """No lease, or a lease that has passed."""
    return or_(lease.is_(None), lease < clock.now())


def take(
    db_session: Session,
    lease: InstrumentedAttribute[Any],
    *where: ColumnElement[bool],
    until: datetime,
    **values: Any,
) -> bool:
    """Set `lease` to `until` (and `values`) on the row `where` selects, if its lease is free:
    one conditional UPDATE, atomic on every backend. True if this caller got it."""
    result = db_session.execute(
        update(lease.class_).where(*where, is_free(lease)).values({lease.key: until, **values})
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
