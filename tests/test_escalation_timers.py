"""Escalation at 50% and 90% of the deadline and at breach: the level rises (queues sort on it),
each step is audited and the on-call webhook and email are notified. Timers are stored due
times, so a restarted process picks them up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.cases.scheduled import escalate_due_cases
from takedown.cases.service import get_case
from takedown.notify.scheduled import deliver_notifications
from takedown.settings import Settings
from takedown.store.db import dispose, session_scope
from tests.reports_support import WebhookReceiver, file_report, http_server, smtp_server
from tests.review_support import case_seen_by_staff


@pytest.fixture
def oncall(settings, app):  # type: ignore[no-untyped-def]
    WebhookReceiver.received = []
    with http_server(WebhookReceiver) as server, smtp_server() as (inbox, port):
        configured = settings.model_copy(
            update={
                "oncall_webhook_url": f"http://127.0.0.1:{server.server_port}/hook",
                "oncall_email": "oncall@example.org",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
            }
        )
        app.state.settings = configured
        yield configured, inbox


def level(client: TestClient, settings: Settings, case_id: str) -> int:
    return case_seen_by_staff(client, settings, case_id)["escalation_level"]


def test_escalates_at_half_ninety_percent_and_breach(client, oncall):
    settings, inbox = oncall
    case_id = file_report(client, "child_sexual_abuse", subject_is_minor="yes")["case_id"]  # 1 h
    assert escalate_due_cases(settings) == 0
    assert level(client, settings, case_id) == 0

    clock.advance(timedelta(minutes=31))
    assert escalate_due_cases(settings) == 1
    assert escalate_due_cases(settings) == 0  # idempotent: the same step never fires twice
    assert level(client, settings, case_id) == 1

    clock.advance(timedelta(minutes=24))  # 55 min: past 90 %
    escalate_due_cases(settings)
    assert level(client, settings, case_id) == 2

    clock.advance(timedelta(minutes=6))  # 61 min: breached
    escalate_due_cases(settings)
    assert level(client, settings, case_id) == 3
    assert case_seen_by_staff(client, settings, case_id)["overdue"] is True
    with session_scope(settings.resolved_database_url) as db_session:
        assert get_case(db_session=db_session, case_id=case_id).next_escalation_at is None
        audited = db_session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject == case_id, AuditEntry.action == "case.escalated"
            )
        ).all()
    assert [a.details["level"] for a in audited] == [1, 2, 3]

    assert deliver_notifications(settings) == 6  # webhook + email per step
    assert [p["escalation_level"] for p in WebhookReceiver.received] == [1, 2, 3]
    assert all(p["case_id"] == case_id for p in WebhookReceiver.received)
    assert len(inbox.to("oncall@example.org")) == 3
    assert "deadline breached" in inbox.to("oncall@example.org")[-1]["Subject"]


def test_several_steps_passed_while_down_escalate_once_to_the_latest(client, oncall):
    settings, _ = oncall
    case_id = file_report(client, "child_sexual_abuse")["case_id"]  # P1: 24 h
    clock.advance(timedelta(hours=23))
    escalate_due_cases(settings)
    assert level(client, settings, case_id) == 2


def test_timers_survive_a_restart(client, oncall, app):
    settings, _ = oncall
    case_id = file_report(client, "terms_violation")["case_id"]  # P2: 7 days
    # Drop every connection and the app: only the database remembers the due time.
    dispose(settings.resolved_database_url)
    clock.advance(timedelta(days=4))
    assert escalate_due_cases(settings.model_copy()) == 1
    assert level(client, settings, case_id) == 1


def test_decided_cases_do_not_escalate(client, oncall):
    from takedown.cases.models import CaseStatus
    from takedown.cases.service import set_status

    settings, _ = oncall
    case_id = file_report(client, "child_sexual_abuse", subject_is_minor="yes")["case_id"]
    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=case_id)
        set_status(db_session=db_session, case=case, status=CaseStatus.ACTION_TAKEN, actor="t")
    clock.advance(timedelta(hours=2))
    assert escalate_due_cases(settings) == 0


def test_jobs_are_registered_with_the_runner(app):
    from takedown.jobs.runner import all_jobs

    names = {job.name for job in all_jobs(app)}
    assert {"case-escalation", "notify-deliver", "case-platform-media"} <= names
