"""Rule: every server runs the escalation job, and each escalation step of a case fires once: two
servers that find the same cases due at the same moment escalate each case once between them
(one audit entry, one on-call alert per step), never twice and never not at all."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from takedown import clock
from takedown.audit.models import AuditEntry
from takedown.cases.scheduled import escalate_due_cases
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.reports_support import file_report

CASES = 6


def test_two_servers_escalate_each_case_step_once(client, settings, app) -> None:  # type: ignore[no-untyped-def]
    settings = settings.model_copy(update={"oncall_webhook_url": "http://127.0.0.1:9/hook"})
    app.state.settings = settings
    case_ids = {
        file_report(client, "child_sexual_abuse", content_url=f"https://platform.example/v/{n}")[
            "case_id"
        ]
        for n in range(CASES)
    }
    clock.advance(timedelta(hours=13))  # P1 (24 h): past 50 %
    start = threading.Barrier(2)
    escalated: list[int] = []

    def server() -> None:
        start.wait()
        escalated.append(escalate_due_cases(settings.model_copy()))

    servers = [threading.Thread(target=server) for _ in range(2)]
    for each in servers:
        each.start()
    for each in servers:
        each.join(timeout=120)

    assert sum(escalated) == CASES, escalated
    with session_scope(settings.resolved_database_url) as db_session:
        audited = db_session.execute(
            select(AuditEntry.subject, func.count())
            .where(AuditEntry.action == "case.escalated")
            .group_by(AuditEntry.subject)
        ).all()
        alerts = db_session.execute(
            select(Notification.case_id, func.count())
            .where(Notification.kind == "case.escalated")
            .group_by(Notification.case_id)
        ).all()
    assert dict(audited) == dict.fromkeys(case_ids, 1)
    assert dict(alerts) == dict.fromkeys(case_ids, 1)
