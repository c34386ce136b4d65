"""Every intake, escalation and appeal is appended to the audit log, without reporter contact
details (entries can never be erased, so they hold no personal data)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.cases.models import CaseStatus
from takedown.cases.scheduled import escalate_due_cases
from takedown.cases.service import get_case, set_status
from takedown.store.db import session_scope
from tests.reports_support import file_report


def entries(settings, subject: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return list(
            db_session.scalars(
                select(AuditEntry).where(AuditEntry.subject == subject).order_by(AuditEntry.seq)
            )
        )


def test_intake_escalation_and_appeal_are_audited(client, settings, cli):
    answer = file_report(
        client,
        "child_sexual_abuse",
        subject_is_minor="yes",
        reporter={"name": "Pat Parent", "email": "pat@example.org"},
    )
    case_id = answer["case_id"]
    (intake,) = entries(settings, case_id)
    assert intake.action == "report.received" and intake.actor == "public"
    assert intake.details["report_id"] == answer["report_id"]
    assert "pat@example.org" not in str(intake.details) and "Pat" not in str(intake.details)

    clock.advance(timedelta(minutes=40))
    escalate_due_cases(settings)
    assert entries(settings, case_id)[-1].action == "case.escalated"

    with session_scope(settings.resolved_database_url) as db_session:
        case = get_case(db_session=db_session, case_id=case_id)
        case.outcome, case.decided_at = "no_violation", clock.now()
        set_status(db_session=db_session, case=case, status=CaseStatus.NO_ACTION, actor="t")
    client.post(f"/track/{answer['tracking_token']}/appeal", data={"reason": "please look again"})
    actions = [e.action for e in entries(settings, case_id)]
    assert actions[-2:] == ["case.status_changed", "appeal.received"]
    assert cli("audit", "verify").exit_code == 0


def test_a_merged_report_and_raised_priority_are_audited(client, settings):
    first = file_report(client, "terms_violation", content_id="x")
    file_report(client, "child_sexual_abuse", content_id="x", subject_is_minor="yes")
    actions = [
        (e.action, e.details.get("merged_into_existing_case"))
        for e in entries(settings, first["case_id"])
    ]
    assert actions == [
        ("report.received", False),
        ("case.priority_raised", None),
        ("report.received", True),
    ]
