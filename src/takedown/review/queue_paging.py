"""Cursor paging of a queue whose order moves while a reviewer pages through it.

A queue is ordered by priority, escalation and deadline, and those change under a reader: a
P2 case raised to P0 after page 1 was read now sorts before page 2's cursor, so plain keyset
paging would never show it to someone working down the queue. A queue cursor therefore also
carries when the page before was read; the next page starts with every case that now sorts at
or before the cursor and changed since then (new, raised, escalated, reopened, claimed), then
goes on after the cursor. Such a case may be shown twice; none is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, literal, not_, or_
from sqlalchemy.orm import Session

from takedown import clock
from takedown.cases.models import Case
from takedown.store.paging import SortKey, beyond, cursor_after, invalid_cursor, ordered

# A change committed just after a page was read may carry an `updated_at` from just before
# the read; cases changed this long before a read are shown again rather than risk missing one.
COMMIT_LAG = timedelta(seconds=10)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class QueuePage:
    cases: list[Case]
    next: str | None  # the cursor of the page after, None after the last
    changed_ahead: list[str]  # ids of cases shown again or first here, from before the cursor


def queue_page(
    db_session: Session,
    query: Select[Any],
    keys: tuple[SortKey, ...],
    *,
    after: str | None,
    limit: int,
) -> QueuePage:
    """At most `limit` cases of `query` from the `after` cursor, those changed ahead of it
    first."""
    read_at = clock.now()
    rows = db_session.execute(page_statement(query, keys, after=after, limit=limit)).all()
    cases = [row[0] for row in rows[:limit]]
    changed_ahead = [row[0].id for row in rows[:limit] if row.ahead]
    if len(rows) <= limit:
        return QueuePage(cases, None, changed_ahead)
    # Every case at or before the last one shown that changed before this read is on this
    # page or one before it, so the next page looks for changes after this read only.
    next_cursor = f"{cursor_after(cases[-1], keys)}.{_micros(read_at - COMMIT_LAG)}"
    return QueuePage(cases, next_cursor, changed_ahead)


def page_statement(
    query: Select[Any], keys: tuple[SortKey, ...], *, after: str | None, limit: int
) -> Select[Any]:
    """The page's `limit + 1` rows (the last only tells that more follow), each with `ahead`:
    it sorts at or before the cursor (shown because it changed since the page before)."""
    position, since = _split(after)
    if position is None:
        ahead: Any = literal(False)
    else:
        past = beyond(keys, position)
        ahead = not_(past)
        if since is not None:
            query = query.where(or_(past, Case.updated_at > since))
        else:  # a cursor given before changes were tracked: plain keyset paging
            query = query.where(past)
    return ordered(query, keys).add_columns(ahead.label("ahead")).limit(limit + 1)


def _split(after: str | None) -> tuple[str | None, datetime | None]:
    if not after:
        return None, None
    position, dot, since = after.partition(".")
    if not dot:
        return position, None
    if not since.isdigit() or len(since) > 20:
        raise invalid_cursor()
    try:
        return position, _EPOCH + timedelta(microseconds=int(since))
    except OverflowError:
        raise invalid_cursor() from None


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)
