"""Rule: a work queue's page on PostgreSQL reads about the cases it shows, not the whole backlog
sorted: with thousands of open cases (a surge), every reviewer's every queue page and "Next
page" stays as cheap as with a few (the partial index `ix_cases_review_queue_order`). Measured as
rows PostgreSQL read from `cases` for the page (EXPLAIN ANALYZE), not as a time. The index holds
exactly the statuses a work queue reads, or PostgreSQL could not use it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, text

from takedown import clock
from takedown.auth.users import create_user
from takedown.cases.models import REVIEW_STATUSES, Case
from takedown.review.queue_paging import page_statement
from takedown.review.service import QUEUE_ORDER, Queue, list_queue_page, queue_query
from takedown.store.db import session_scope

BACKLOG = 3000
PAGE = 200


def _backlog(db_session: Any) -> None:
    now = clock.now()
    rows = []
    for n in range(BACKLOG):
        t = now - timedelta(minutes=n)
        rows.append(
            {
                "id": f"case_backlog_{n:08d}",
                "status": "open" if n % 3 else "in_review",
                "priority": ("P0", "P1", "P2", "P3")[n % 4],
                "category": "terms_violation",
                "deadline_at": t + timedelta(days=7),
                "deadline_started_at": t,
                "created_at": t,
                "updated_at": t,
                "content_id": f"post-{n}",
            }
        )
    db_session.execute(insert(Case), rows)


def _cases_read(plan: dict[str, Any]) -> int:
    """Rows the outer query read from `cases` (its own scans; subqueries use other aliases)."""
    read = 0
    if plan.get("Relation Name") == "cases" and plan.get("Alias") == "cases":
        read += (plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)) * plan["Actual Loops"]
    for child in plan.get("Plans", []):
        read += _cases_read(child)
    return read


def test_a_queue_page_on_postgresql_reads_its_page_not_the_backlog(database_url, settings):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no statistics to plan by: the history tests measure it")
    with session_scope(settings.resolved_database_url) as db_session:
        user = create_user(
            db_session=db_session, username="lead", role="child_safety_reviewer", password="x" * 12
        )
        _backlog(db_session)
        db_session.commit()
        db_session.execute(text("ANALYZE cases"))
        first = list_queue_page(db_session=db_session, user=user, queue=Queue.OPEN, limit=PAGE)
        assert first.next is not None
        for after in (None, first.next):
            statement = page_statement(
                queue_query(user=user, queue=Queue.OPEN), QUEUE_ORDER, after=after, limit=PAGE
            )
            sql = str(statement.compile(db_session.bind, compile_kwargs={"literal_binds": True}))
            plan = db_session.execute(text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")).scalar()
            read = _cases_read(plan[0]["Plan"])
            assert 0 < read <= 3 * PAGE, f"read {read} of {BACKLOG} open cases for one page"


def test_the_queue_index_holds_exactly_the_statuses_a_work_queue_reads():
    index = next(i for i in Case.__table__.indexes if i.name == "ix_cases_review_queue_order")
    predicate = str(index.dialect_options["postgresql"]["where"])
    assert set(re.findall(r"'([a-z_]+)'", predicate)) == {s.value for s in REVIEW_STATUSES}
