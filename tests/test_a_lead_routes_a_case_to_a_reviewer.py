"""Rule: a lead routes a case to the reviewer who should take it (the one who reads the
reporter's language, the law-enforcement liaison). The case waits in that reviewer's "mine"
queue until decided; it does not lapse like a claim and keeps nobody else from it. Only an
administrator assigns, only to an enabled reviewer the rules would let decide it; every
assignment is audited."""

from __future__ import annotations

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.review_support import console, make_user, report, staff_headers


def test_a_lead_routes_a_case_to_a_reviewer(client, app, settings):  # type: ignore[no-untyped-def]
    ana_id = make_user(settings, "ana", "reviewer")
    make_user(settings, "bo", "reviewer")
    make_user(settings, "lead", "admin")
    ana, bo, lead = (staff_headers(client, settings, n) for n in ("ana", "bo", "lead"))
    spanish = report(
        client, category="terms_violation", content_id="p-1", language="es", explanation="spam"
    )["case_id"]
    abuse = report(client, category="child_sexual_abuse", content_id="p-2")["case_id"]

    def mine(headers: dict[str, str]) -> list[str]:
        cases = client.get("/v1/cases", params={"queue": "mine"}, headers=headers).json()
        return [c["case_id"] for c in cases["cases"]]

    refused = client.post(f"/v1/cases/{spanish}/assignment", json={"username": "ana"}, headers=bo)
    assert refused.status_code == 403 and refused.json()["code"] == "admin_only"
    not_hers = client.post(
        f"/v1/cases/{abuse}/assignment", json={"username": "ana"}, headers=lead
    )  # a plain reviewer may not see a child-safety case
    assert not_hers.status_code == 422 and not_hers.json()["code"] == "assignee_may_not_decide"

    assigned = client.post(
        f"/v1/cases/{spanish}/assignment", json={"username": "ana"}, headers=lead
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assigned_to"] == ana_id
    assert mine(ana) == [spanish] and mine(bo) == []
    # Routing, not a lock: bo may still decide it.
    decided = client.post(
        f"/v1/cases/{spanish}/decisions",
        json={"outcome": "violating", "policy": "terms_of_service", "reason": "spam"},
        headers=bo,
    )
    assert decided.status_code == 201, decided.text
    assert mine(ana) == []  # decided: out of the queue

    other = report(
        client, category="terms_violation", content_id="p-3", content_url="https://e.x/3"
    )
    lead_console = console(app, "lead")
    page = lead_console.get(f"/console/cases/{other['case_id']}").text
    assert 'id="assign-form"' in page and '<option value="bo">' in page
    routed = lead_console.post(f"/console/cases/{other['case_id']}/assignment", {"username": "bo"})
    assert routed.status_code == 303, routed.text
    assert "bo" in lead_console.get(f"/console/cases/{other['case_id']}").text
    assert mine(bo) == [other["case_id"]]
    lead_console.post(f"/console/cases/{other['case_id']}/assignment", {"username": ""})
    assert mine(bo) == []
    assert (
        'id="assign-form"' not in console(app, "bo").get(f"/console/cases/{other['case_id']}").text
    )  # only leads assign

    with session_scope(settings.resolved_database_url) as db_session:
        actions = db_session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("case.%assigned"))
        ).all()
    assert actions == ["case.assigned", "case.assigned", "case.unassigned"]
