"""Rule: the console pages a reviewer loads all day, the queue and a case, do no more work as the
history grows. Both show the reviewer's own exposure (their reveals of the last hour and day, their
child-safety decisions of the last day), which were counted by reading every reveal anyone ever
made and every decision the reviewer ever made; the queue shows the accounts waiting for a look,
counted by reading every account.

Measured as the periodic jobs are (tests/history_support.py): SQLite's work for the same page
loads on a copy of the database that also holds 3,000 closed cases with their accounts, each
decided by this reviewer, its original revealed by them, and everything else it left behind
(add_pipeline_history), all months old, must not grow."""

from __future__ import annotations

import re

import pytest

from takedown.api.app import create_app
from takedown.console import views as console_views
from tests.history_support import (
    add_history,
    add_pipeline_history,
    assert_work_did_not_grow,
    database_copy,
    history_databases,
    sqlite_work,
)
from tests.media import jpeg, stand_in
from tests.review_support import console, make_user, report, user_id_of


def test_console_pages_work_does_not_grow_with_the_history(
    database_url, settings, tmp_path, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(console_views, "QUEUE_PAGE_SIZE", 1)  # the next page is measured too
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by statistics: bench/ measures it at scale")
    settings = settings.model_copy(update={"console_two_factor": False})
    make_user(settings, "csr", "child_safety_reviewer")
    app = create_app(settings)
    reported = report(console(app, "csr").client, image=jpeg(stand_in("chelsea")))
    report(console(app, "csr").client, content_url="https://platform.example/p/other")
    with_history = database_copy(settings, tmp_path / "with-history")
    add_history(with_history)
    add_pipeline_history(with_history, decided_by=user_id_of(with_history, "csr"))

    work = {}
    for name, database in history_databases(settings, with_history, tmp_path / "reversed"):
        reviewer = console(create_app(database), "csr")
        with sqlite_work(database) as steps:
            first = reviewer.get("/console/queue")
            next_page = re.search(r'href="([^"]+)" id="next-page"', first.text)
            assert first.status_code == 200 and next_page, "a second page of the queue"
            for page in (
                next_page.group(1).replace("&amp;", "&"),
                f"/console/cases/{reported['case_id']}",
            ):
                assert reviewer.get(page).status_code == 200, page
        work[name] = steps[0]
    assert_work_did_not_grow(work)
