"""Rule: the report rate limits (DSA Art 23) never turn away a report of a child being abused.
A school, a shelter or a phone network shares one address, and a parent reporting again and again
is the failure Takedown exists to end: past the limit a child-safety report (child sexual abuse or
exploitation, or anything showing a minor) is still stored, joins its case and is answered 201;
other reports get 429. No acknowledgment is emailed past the limit, so nobody floods an inbox
through it, and the reporter is told so instead of being promised an email; and it ranks after
the other reports of its priority, so a flood from one address cannot bury them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from takedown.notify.models import Notification
from takedown.reports.models import Report
from takedown.store.db import session_scope
from tests.reports_support import valid_body

PARENT = {"role": "parent_or_guardian", "name": "Ana", "email": "ana@example.org"}


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(
        update={
            "report_rate_limit_per_address": 2,
            "report_rate_limit_per_contact": 2,
            "smtp_host": "mail.example",
        }
    )


def acknowledgments_to(settings, email: str) -> int:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return int(
            db_session.scalar(
                select(func.count()).where(
                    Notification.kind == "acknowledgment", Notification.recipient == email
                )
            )
            or 0
        )


def test_a_child_safety_report_past_the_rate_limit_is_kept_not_refused(app, settings) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app, client=("10.9.0.1", 1))
    url = "https://platform.example/v/13"
    for _ in range(2):
        body = valid_body("child_sexual_abuse", content_url=url, reporter=PARENT)
        assert client.post("/v1/reports", json=body).status_code == 201
    assert acknowledgments_to(settings, "ana@example.org") == 2

    refused = client.post("/v1/reports", json=valid_body(content_url=url))
    assert refused.status_code == 429, refused.text

    for body in (
        valid_body("child_sexual_abuse", content_url=url, reporter=PARENT),
        valid_body("other_illegal", content_url=url, subject_is_minor="yes"),
        valid_body("child_sexual_exploitation", content_url="https://platform.example/v/14"),
    ):
        answer = client.post("/v1/reports", json=body)
        assert answer.status_code == 201, answer.text
        assert answer.json()["acknowledgment_withheld"] is True
    kept = answer.json()
    assert kept["case_id"] and kept["deadline"]

    with session_scope(settings.resolved_database_url) as db_session:
        on_the_post = db_session.scalars(
            select(Report.case_id).where(Report.content_url == url)
        ).all()
        # Past the limit a report ranks as a flagged reporter's does: after the others of its
        # priority, and not counted as a repeat, so a flood cannot bury other reports.
        past_the_limit = db_session.scalars(
            select(Report.ranked_lower).order_by(Report.received_at, Report.id)
        ).all()
    assert len(on_the_post) == 4 and len(set(on_the_post)) == 1  # all joined one case
    assert acknowledgments_to(settings, "ana@example.org") == 2  # no email past the limit
    assert past_the_limit == [False, False, True, True, True]


def test_the_form_keeps_a_child_safety_report_past_the_rate_limit_and_says_it_was_not_emailed(
    app, settings
) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app, client=("10.9.0.2", 1))
    form = {
        "category": "child_sexual_abuse",
        "content_url": "https://platform.example/v/13",
        "reporter.email": "mother@example.org",
    }
    for _ in range(2):
        page = client.post("/report", data=form)
        assert page.status_code == 201 and "We have also sent it to your email" in page.text

    page = client.post("/report", data=form)
    assert page.status_code == 201, page.text
    assert "/track/" in page.text
    assert "so it was not emailed to you: keep it yourself" in page.text
    assert "We have also sent it to your email" not in page.text

    terms = {
        **form,
        "category": "terms_violation",
        "explanation": "spam",
        "reporter.name": "M",
        "good_faith_statement": "true",
    }
    assert client.post("/report", data=terms).status_code == 429
