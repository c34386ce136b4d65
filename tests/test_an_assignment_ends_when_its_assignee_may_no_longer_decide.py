"""Rule: an assignment routes a case to someone who may decide it (`assignee_may_not_decide`), and
it ends, audited, when that stops being so: a referral to child-safety review unassigns a plain
reviewer who can no longer open the case, and a "no violation" that sends a case to second review
unassigns its first reviewer, whom the two-person rule keeps from deciding it. The lead routes it
again."""

from __future__ import annotations

import re

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.store.db import session_scope
from tests.review_support import case_of_report, console, make_user, report, staff_headers


def _unassigned(settings, case_id: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    with session_scope(settings.resolved_database_url) as db_session:
        return [
            e.details
            for e in db_session.scalars(
                select(AuditEntry).where(
                    AuditEntry.subject == case_id, AuditEntry.action == "case.unassigned"
                )
            )
        ]


def _assign(client, lead, case_id: str, username: str):  # type: ignore[no-untyped-def]
    routed = client.post(
        f"/v1/cases/{case_id}/assignment", json={"username": username}, headers=lead
    )
    assert routed.status_code == 200, routed.text


def test_a_referral_unassigns_a_reviewer_who_may_no_longer_open_the_case(app, client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "rev-1", "reviewer")
    make_user(settings, "lead", "admin")
    lead, rev = staff_headers(client, settings, "lead"), staff_headers(client, settings, "rev-1")
    filed = report(client, category="terms_violation", content_id="p-assigned")
    case_id = case_of_report(client, settings, filed["report_id"])
    _assign(client, lead, case_id, "rev-1")
    referred = client.post(
        f"/v1/cases/{case_id}/referrals",
        json={"category": "child_sexual_abuse", "subject_is_minor": True, "reason": "a child"},
        headers=rev,
    )
    assert referred.status_code in (200, 201), referred.text
    assert client.get(f"/v1/cases/{case_id}", headers=lead).json()["assigned_to"] is None
    (entry,) = _unassigned(settings, case_id)
    assert "referred to child-safety review" in entry["because"]
    queue = console(app, "rev-1").get("/console/queue").text
    assert 'id="assigned-to-you"' not in queue
    admin_page = console(app, "lead").get(f"/console/cases/{case_id}").text
    assert "rev-1" not in re.sub(r"<option[^>]*>[^<]*</option>", "", admin_page.split("</dl>")[0])


def test_second_review_unassigns_the_first_reviewer(client, settings):  # type: ignore[no-untyped-def]
    for name in ("cs-1", "cs-2"):
        make_user(settings, name, "child_safety_reviewer")
    make_user(settings, "lead", "admin")
    lead = staff_headers(client, settings, "lead")
    filed = report(client, content_id="p-second-look")
    case_id = case_of_report(client, settings, filed["report_id"])
    _assign(client, lead, case_id, "cs-1")
    first = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "benign"},
        headers=staff_headers(client, settings, "cs-1"),
    )
    assert first.status_code == 201, first.text
    case = client.get(f"/v1/cases/{case_id}", headers=lead).json()
    assert case["status"] == "second_review" and case["assigned_to"] is None
    (entry,) = _unassigned(settings, case_id)
    assert entry["because"] == "two_person_rule"
    # As an assignment to cs-1 is refused now; cs-2 may take the second review.
    again = client.post(f"/v1/cases/{case_id}/assignment", json={"username": "cs-1"}, headers=lead)
    assert again.status_code == 422 and again.json()["code"] == "assignee_may_not_decide"
    _assign(client, lead, case_id, "cs-2")
