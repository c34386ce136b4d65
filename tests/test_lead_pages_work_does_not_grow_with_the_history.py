"""Rule: the pages a lead or an admin watches read the last week and what waits now, not the
history. The overview (and `GET /v1/overview`, which dashboards poll) took its week of time to
action from the transparency report's computation, which read every report and every decision
ever made to find each case's first report and first decision; it counted open appeals, items
still up and quality checks done by reading every appeal, removed item and check. The Wellbeing
page counted the week's child-safety decisions through every decision; the webhooks page counted
every event ever delivered, and found the newest failed events by reading the delivered ones.
The lists beside them (accounts, audit log, quality checks, evidence, cases) and /metrics read a
page or what waits, and are held to the same rule.

Measured as the periodic jobs are (tests/history_support.py): SQLite's work for the same page
loads on a copy of the database that also holds 3,000 closed cases, each with its decision (and
the reviewer's reveal), removed item, appeal, platform event, CyberTipline filing, quality check,
copy search, account sweep, scan and statement of reasons, all months old, must not grow."""

from __future__ import annotations

import pytest

from takedown.api.app import create_app
from takedown.audit.service import record
from takedown.review.exposure import REVEALED
from takedown.store.db import session_scope
from tests.enforcement_support import decide_violating, report_with_media
from tests.history_support import (
    add_history,
    add_pipeline_history,
    assert_work_did_not_grow,
    database_copy,
    history_databases,
    sqlite_work,
)
from tests.media import generated_scene, jpeg
from tests.metrics_support import METRICS_HEADERS
from tests.review_support import console, make_user, staff_headers, user_id_of

PAGES = (
    "/console/overview",
    "/console/wellbeing",
    "/console/webhooks",
    "/console/accounts",
    "/console/audit",
    "/console/quality",
)
API = (
    "/v1/overview",
    "/v1/webhooks/outbox?status=failed",
    "/v1/cases",
    "/v1/accounts",
    "/v1/audit",
    "/v1/quality",
)
LEGAL_API = ("/v1/evidence",)  # the evidence vault opens to the legal role only
AUDIT_PAGE = 100  # entries the audit pages show at once


def test_lead_pages_work_does_not_grow_with_the_history(database_url, settings, tmp_path):  # type: ignore[no-untyped-def]
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by statistics: bench/ measures it at scale")
    settings = settings.model_copy(update={"console_two_factor": False})
    make_user(settings, "lead", "admin")
    make_user(settings, "counsel", "legal")
    app = create_app(settings)
    lead = console(app, "lead")
    # This week's work, so the pages have something to read: a case decided, one waiting.
    decided = report_with_media(
        lead.client, jpeg(generated_scene(11)), content_id="this-week-1", account_id="acct-1"
    )
    decide_violating(lead.client, settings, decided["case_id"], classification="A1")
    report_with_media(
        lead.client, jpeg(generated_scene(12)), content_id="this-week-2", account_id="acct-2"
    )
    # And more than a page of this week's audit entries, so the audit pages read a full page
    # with history or without: a reviewer's reveals.
    with session_scope(settings.resolved_database_url) as db_session:
        for _ in range(AUDIT_PAGE + 20):
            record(
                db_session=db_session,
                actor=f"user:{user_id_of(settings, 'csr-1')}",
                action=REVEALED,
                subject=decided["case_id"],
            )
    with_history = database_copy(settings, tmp_path / "with-history")
    add_history(with_history)
    add_pipeline_history(with_history, decided_by=user_id_of(with_history, "csr-1"))

    work = {}
    for name, database in history_databases(settings, with_history, tmp_path / "reversed"):
        page = console(create_app(database), "lead")
        api_headers = staff_headers(page.client, database, "lead")
        legal_headers = staff_headers(page.client, database, "counsel")
        with sqlite_work(database) as steps:
            for path in PAGES:
                assert page.get(path).status_code == 200, path
            answers = {path: page.client.get(path, headers=api_headers) for path in API}
            answers |= {path: page.client.get(path, headers=legal_headers) for path in LEGAL_API}
            answers["/metrics"] = page.client.get("/metrics", headers=METRICS_HEADERS)
        statuses = {path: answer.status_code for path, answer in answers.items()}
        assert statuses == dict.fromkeys((*API, *LEGAL_API, "/metrics"), 200)
        assert answers["/v1/overview"].json()["last_week"]["actioned"] == 1
        work[name] = steps[0]
    assert_work_did_not_grow(work)
