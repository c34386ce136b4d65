"""Reporters who give an email address get an acknowledgment with the case reference and
tracking link, and later the decision, sent by SMTP from a durable outbox."""

from __future__ import annotations

from sqlalchemy import select

from takedown import clock
from takedown.cases.models import CaseStatus
from takedown.cases.service import get_case, set_status
from takedown.notify.models import Notification
from takedown.notify.scheduled import deliver_notifications
from takedown.notify.service import queue_decision_message
from takedown.store.db import session_scope
from tests.reports_support import file_report


def test_acknowledgment_has_case_reference_and_tracking_link(client, mail):
    settings, inbox = mail
    answer = file_report(
        client,
        "child_sexual_abuse",
        reporter={"email": "Parent@Example.org", "role": "parent_or_guardian"},
    )
    # Queued in the intake transaction; the job sends it.
    assert inbox.messages == []
    assert deliver_notifications(settings) == 1
    (message,) = inbox.to("parent@example.org")
    body = message.get_content()
    assert answer["case_id"] in message["Subject"] and answer["case_id"] in body
    assert answer["status_url"] in body
    assert deliver_notifications(settings) == 0  # sent once


def test_anonymous_reports_queue_no_email(client, mail):
    settings, inbox = mail
    file_report(client, "child_sexual_abuse")
    assert deliver_notifications(settings) == 0
    assert inbox.messages == []


def test_decision_message_reaches_every_reporter_once(client, mail):
    settings, inbox = mail
    first = file_report(
        client, "child_sexual_abuse", content_id="p1", reporter={"email": "a@example.org"}
    )
    file_report(client, "child_sexual_abuse", content_id="p1", reporter={"email": "b@example.org"})
    file_report(client, "child_sexual_abuse", content_id="p1", reporter={"email": "a@example.org"})
    deliver_notifications(settings)
    inbox.messages.clear()
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=first["case_id"])
        case.outcome, case.decided_at = "violating", clock.now()
        case.outcome_text_public = "We removed the content and reported it to NCMEC."
        set_status(db_session=db_session, case=case, status=CaseStatus.ACTION_TAKEN, actor="t")
        queue_decision_message(db_session=db_session, case=case, settings=settings)
        queue_decision_message(db_session=db_session, case=case, settings=settings)  # repeat
    assert deliver_notifications(settings) == 2
    assert sorted(m["To"] for m in inbox.messages) == ["a@example.org", "b@example.org"]
    body = inbox.to("a@example.org")[0].get_content()
    assert "action taken" in body and "We removed the content" in body


def test_smtp_down_keeps_the_message_for_a_retry(client, settings, app):
    app.state.settings = down = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": 1}
    )
    file_report(client, "child_sexual_abuse", reporter={"email": "x@example.org"})
    assert deliver_notifications(down) == 0
    with session_scope(settings.resolved_database_url) as db_session:
        row = db_session.scalar(select(Notification))
        assert row.status == "pending" and row.attempts == 1 and row.last_error
