"""Rule: content reported under the wrong category still reaches child-safety review. A reviewer
who is not a child-safety reviewer may not find child sexual abuse or exploitation (that finding
is reported to NCMEC, with the industry classification): they refer the case. The referral
joins the case as a report of its own, so the case takes the category, priority and deadline of
what the reviewer saw, leaves the referrer's queues and enters the child-safety queue; nobody
outside is told of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.review_support import console, make_user, report, staff_headers

SAW = "A child appears in the second half of the video."


def test_a_reviewer_refers_what_may_be_child_abuse_to_child_safety_review(client, app, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "rita", "reviewer")
    make_user(settings, "cara", "child_safety_reviewer")
    rita, cara = staff_headers(client, settings, "rita"), staff_headers(client, settings, "cara")
    filed = report(client, category="terms_violation", content_id="p-1")  # "spam"
    case_id = filed["case_id"]
    before = client.get(f"/v1/cases/{case_id}", headers=rita).json()
    assert (before["priority"], before["is_child_safety"]) == ("P2", False)

    # Rita may not make the finding herself, nor is she offered its policies.
    refused = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={
            "outcome": "violating",
            "policy": "child_sexual_abuse_material",
            "classification": "A1",
            "reason": "abuse",
        },
        headers=rita,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "child_safety_finding"
    rita_console = console(app, "rita")
    page = rita_console.get(f"/console/cases/{case_id}").text
    assert 'value="child_sexual_abuse_material"' not in page and 'id="referral-form"' in page

    referred = rita_console.post(
        f"/console/cases/{case_id}/referrals",
        {"category": "child_sexual_abuse", "subject_is_minor": "yes", "reason": SAW},
    )
    assert referred.status_code == 303, referred.text
    assert referred.headers["location"] == "/console/queue?notice=referred"  # hers no more
    assert client.get(f"/v1/cases/{case_id}", headers=rita).status_code == 403
    assert case_id not in rita_console.get("/console/queue").text

    after = client.get(f"/v1/cases/{case_id}", headers=cara).json()
    assert after["category"] == "child_sexual_abuse" and after["is_child_safety"] is True
    assert after["priority"] == "P0"  # child sexual abuse with a minor shown
    assert "a minor is shown" in after["priority_reasons"]
    deadline = datetime.fromisoformat
    assert deadline(after["deadline_at"]) < deadline(before["deadline_at"])
    referral = after["reports"][-1]
    assert referral["channel"] == "reviewer_referral"
    assert referral["explanation"] == f"Referred to child-safety review by rita: {SAW}"
    queue = client.get("/v1/cases?queue=child_safety", headers=cara).json()["cases"]
    assert [c["case_id"] for c in queue] == [case_id]
    assert (
        "referred to child-safety review by a reviewer"
        in console(app, "cara").get(f"/console/cases/{case_id}").text
    )

    # Referring again as the same is refused; so is a referral that is not child safety.
    again = client.post(
        f"/v1/cases/{case_id}/referrals",
        json={"category": "child_sexual_abuse", "reason": "same"},
        headers=cara,
    )
    assert again.status_code == 409 and again.json()["code"] == "already_child_safety"
    other = report(
        client, category="terms_violation", content_id="p-2", content_url="https://p.example/2"
    )
    wrong = client.post(
        f"/v1/cases/{other['case_id']}/referrals",
        json={"category": "terms_violation", "reason": "spam"},
        headers=rita,
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "not_child_safety"

    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={
            "outcome": "violating",
            "policy": "child_sexual_abuse_material",
            "classification": "A1",
            "reason": "confirmed",
        },
        headers=cara,
    )
    assert decided.status_code == 201, decided.text
    closed = client.post(
        f"/v1/cases/{case_id}/referrals",
        json={"category": "child_sexual_exploitation", "reason": "late"},
        headers=cara,
    )
    assert closed.status_code == 409 and closed.json()["code"] == "already_child_safety"

    with session_scope(settings.resolved_database_url) as db_session:
        audited = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.referred_to_child_safety")
        ).all()
        assert [a.subject for a in audited] == [case_id]
        mail = db_session.scalars(
            select(Notification.kind).where(Notification.case_id == case_id)
        ).all()
        assert mail.count("acknowledgment") == 1  # the reporter's own; the referral tells no one


def test_a_referral_keeps_what_the_reporter_said(client, settings):  # type: ignore[no-untyped-def]
    """A police case number the reporter gave makes the referred case P0, as it would have had
    the reporter chosen the child-safety category themselves."""
    make_user(settings, "rita", "reviewer")
    make_user(settings, "cara", "child_safety_reviewer")
    filed = report(
        client,
        category="terms_violation",
        content_id="p-7",
        law_enforcement={"agency": "County Police", "case_number": "2026-4411"},
    )
    referred = client.post(
        f"/v1/cases/{filed['case_id']}/referrals",
        json={"category": "child_sexual_exploitation", "reason": "an adult asks for photos"},
        headers=staff_headers(client, settings, "rita"),
    )
    assert referred.status_code == 201, referred.text
    assert referred.json()["priority"] == "P0"
    case = client.get(
        f"/v1/cases/{filed['case_id']}", headers=staff_headers(client, settings, "cara")
    ).json()
    assert "a police case number" in case["priority_reasons"]
