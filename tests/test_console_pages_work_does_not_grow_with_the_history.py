"""Rule: the console pages a reviewer loads all day, the queue and a case, do no more work as the
history grows. Both show the reviewer's own exposure (their reveals of the last hour and day, their
child-safety decisions of the last day), which were counted by reading every reveal anyone ever
made and every decision the reviewer ever made; the queue shows the accounts waiting for a look,
counted by reading every account.

Measured as the periodic jobs are (tests/history_support.py): SQLite's work for the same page
loads on a copy of the database that also holds 3,000 closed cases with their accounts, 3,000
decisions of this reviewer and 3,000 reveals, all months old, must not grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from takedown import clock
from takedown.api.app import create_app
from takedown.audit.service import record
from takedown.auth.models import User
from takedown.review.exposure import REVEALED
from takedown.review.models import Decision
from takedown.settings import Settings
from takedown.store.db import session_scope
from tests.history_support import (
    HISTORY_CASES,
    add_history,
    database_copy,
    history_case_ids,
    sqlite_work,
)
from tests.media import jpeg, stand_in
from tests.review_support import console, make_user, report


def add_reviewer_history(settings: Settings, username: str) -> None:
    """Months of this reviewer's work: a decision on each history case and as many reveals."""
    long_ago = clock.now() - timedelta(days=200)
    with session_scope(settings.resolved_database_url) as db_session:
        reviewer_id = db_session.scalar(select(User.id).where(User.username == username))
        db_session.execute(
            insert(Decision),
            [
                {
                    "id": f"dec_{case_id}",
                    "case_id": case_id,
                    "reviewer_id": reviewer_id,
                    "stage": "first",
                    "outcome": "violating",
                    "policy": "terms_of_service",
                    "reason": "long ago",
                    "final": True,
                    "decided_at": long_ago,
                }
                for case_id in history_case_ids()
            ],
        )
        clock.advance(long_ago - clock.now())
        try:
            for case_id in history_case_ids():
                record(
                    db_session=db_session,
                    actor=f"user:{reviewer_id}",
                    action=REVEALED,
                    subject=case_id,
                )
        finally:
            clock.reset()


def test_console_pages_work_does_not_grow_with_the_history(database_url, settings, tmp_path):  # type: ignore[no-untyped-def]
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by statistics: bench/ measures it at scale")
    settings = settings.model_copy(update={"console_two_factor": False})
    make_user(settings, "csr", "child_safety_reviewer")
    app = create_app(settings)
    reported = report(console(app, "csr").client, image=jpeg(stand_in("chelsea")))
    report(console(app, "csr").client, content_url="https://platform.example/p/other")
    with_history = database_copy(settings, tmp_path / "with-history")
    add_history(with_history)
    add_reviewer_history(with_history, "csr")

    work = {}
    for name, database in (("without history", settings), ("with history", with_history)):
        reviewer = console(create_app(database), "csr")
        with sqlite_work() as steps:
            for page in ("/console/queue", f"/console/cases/{reported['case_id']}"):
                assert reviewer.get(page).status_code == 200, page
        work[name] = steps[0]
    assert work["without history"] > 100, work  # the pages did read something
    # Reading the history would count once a row at least (3,000 for 3,000 rows).
    assert work["with history"] <= work["without history"] * 1.05 + HISTORY_CASES // 10, work
