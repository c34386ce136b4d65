"""The tracking page offers an appeal form for six months after the decision (DSA Art 20); an
appeal is recorded, audited, moves the case to `appealed` and back into the queue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.cases.models import Appeal, CaseStatus
from takedown.cases.service import get_case, set_status
from takedown.store.db import session_scope
from tests.reports_support import file_report


def decide(settings, case_id):  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=case_id)
        case.outcome, case.decided_at = "no_violation", clock.now()
        case.outcome_text_public = "We found no violation."
        set_status(db_session=db_session, case=case, status=CaseStatus.NO_ACTION, actor="test")


def test_no_appeal_form_before_a_decision(client):
    answer = file_report(client, "child_sexual_abuse")
    page = client.get(f"/track/{answer['tracking_token']}").text
    assert "/appeal" not in page  # (adding to the report is offered instead)
    refused = client.post(f"/track/{answer['tracking_token']}/appeal", data={"reason": "x"})
    assert refused.status_code == 409


def test_appeal_within_window_is_recorded_and_audited(client, settings):
    answer = file_report(client, "child_sexual_abuse", reporter={"email": "r@example.org"})
    decide(settings, answer["case_id"])
    page = client.get(f"/track/{answer['tracking_token']}").text
    assert '<label for="reason">' in page and "/appeal" in page

    empty = client.post(f"/track/{answer['tracking_token']}/appeal", data={"reason": " "})
    assert empty.status_code == 422 and "Error:" in empty.text

    clock.advance(timedelta(days=150))
    sent = client.post(
        f"/track/{answer['tracking_token']}/appeal",
        data={"reason": "The image shows my child."},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = client.get(sent.headers["location"]).text
    assert 'id="status">appealed<' in page
    assert '<label for="reason">' not in page  # one open appeal at a time
    assert "We received your appeal" in page
    with session_scope(settings.resolved_database_url) as db_session:
        appeal = db_session.scalar(select(Appeal).where(Appeal.case_id == answer["case_id"]))
        assert appeal.appellant == "reporter"
        assert appeal.reason == "The image shows my child."
        assert appeal.appealed_outcome == "no_violation"
        assert appeal.status == "open"
        assert appeal.contact_email == "r@example.org"
        case = get_case(db_session=db_session, case_id=answer["case_id"])
        assert case.status == "appealed"
        assert case.next_escalation_at is not None  # back under a deadline
        actions = db_session.scalars(
            select(AuditEntry.action).where(AuditEntry.subject == answer["case_id"])
        ).all()
    assert "appeal.received" in actions
    again = client.post(f"/track/{answer['tracking_token']}/appeal", data={"reason": "again"})
    assert again.status_code == 409


def test_appeal_window_closes_after_six_months(client, settings):
    answer = file_report(client, "child_sexual_abuse")
    decide(settings, answer["case_id"])
    clock.advance(timedelta(days=settings.appeal_window_days, hours=1))
    page = client.get(f"/track/{answer['tracking_token']}").text
    assert '<label for="reason">' not in page
    late = client.post(f"/track/{answer['tracking_token']}/appeal", data={"reason": "late"})
    assert late.status_code == 409


def test_uploader_appeals_through_the_platform_api(client, settings, auth_header):
    answer = file_report(client, "child_sexual_abuse")
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=answer["case_id"])
        case.outcome, case.decided_at = "violating", clock.now()
        set_status(db_session=db_session, case=case, status=CaseStatus.ACTION_TAKEN, actor="t")
    headers = auth_header("report")
    made = client.post(
        "/v1/uploader-appeals",
        json={"case_id": answer["case_id"], "reason": "It is my own art."},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    with session_scope(settings.resolved_database_url) as db_session:
        appeal = db_session.scalar(select(Appeal).where(Appeal.case_id == answer["case_id"]))
        assert appeal.appellant == "uploader" and appeal.appealed_outcome == "violating"
    assert (
        client.post(
            "/v1/uploader-appeals", json={"case_id": answer["case_id"], "reason": "x"}
        ).status_code
        == 401
    )
