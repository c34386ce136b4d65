"""Appeals (reporter against no action, uploader against removal) are decided only by a reviewer
who did not decide the case before; the outcome is recorded, audited and sent."""

from __future__ import annotations

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.enforcement.models import OutboxEvent
from takedown.notify.models import Notification
from takedown.store.db import session_scope
from tests.review_support import console, make_user, report, staff_headers

REPORTER = {"role": "parent_or_guardian", "email": "parent@example.org"}


def _decide(client, headers, case_id, outcome, **extra):  # type: ignore[no-untyped-def]
    body = {"outcome": outcome, "reason": "reviewed", **extra}
    answer = client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=headers)
    assert answer.status_code == 201, answer.text


def test_reporter_appeal_against_no_action(client, app, settings):
    for name in ("alice", "bob", "carol"):
        make_user(settings, name, "child_safety_reviewer")
    alice, bob, carol = (staff_headers(client, settings, n) for n in ("alice", "bob", "carol"))
    filed = report(client, category="child_sexual_exploitation", content_id="g1", reporter=REPORTER)
    case_id, token = filed["case_id"], filed["tracking_token"]
    _decide(client, alice, case_id, "no_violation")
    _decide(client, bob, case_id, "no_violation")

    appealed = client.post(
        f"/track/{token}/appeal", data={"reason": "It is grooming."}, follow_redirects=False
    )
    assert appealed.status_code == 303
    appeal_id = client.get(f"/v1/cases/{case_id}", headers=carol).json()["appeals"][0]["appeal_id"]

    # Both earlier deciders are refused; the appeal is not in their queue.
    for headers in (alice, bob):
        assert client.get("/v1/cases?queue=appeals", headers=headers).json()["cases"] == []
        refused = client.post(
            f"/v1/appeals/{appeal_id}/decisions",
            json={"outcome": "overturned", "reason": "x", "policy": "child_sexual_exploitation"},
            headers=headers,
        )
        assert refused.status_code == 403
        assert refused.json()["code"] == "appeal_needs_new_reviewer"
    assert [
        c["case_id"] for c in client.get("/v1/cases?queue=appeals", headers=carol).json()["cases"]
    ] == [case_id]

    decided = client.post(
        f"/v1/appeals/{appeal_id}/decisions",
        json={"outcome": "overturned", "reason": "grooming", "policy": "child_sexual_exploitation"},
        headers=carol,
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["case"]["status"] == "action_taken"
    appeal = client.get(f"/v1/appeals/{appeal_id}", headers=carol).json()
    assert appeal["status"] == "decided" and appeal["outcome"] == "overturned"
    assert "action taken" in client.get(f"/track/{token}").text.lower()
    with session_scope(settings.resolved_database_url) as db_session:
        mail = db_session.scalars(
            select(Notification).where(
                Notification.kind == "appeal_decision", Notification.case_id == case_id
            )
        ).all()
        assert [m.recipient for m in mail] == ["parent@example.org"]
        audited = db_session.scalars(
            select(AuditEntry).where(AuditEntry.action == "appeal.decided")
        ).all()
        assert audited and audited[0].details["appeal_outcome"] == "overturned"
        events = db_session.scalars(select(OutboxEvent).where(OutboxEvent.case_id == case_id))
        decision_id = decided.json()["decision"]["decision_id"]
        assert any(decision_id in event.body for event in events)


def test_uploader_appeal_against_removal_upheld_in_the_console(client, app, settings, auth_header):
    make_user(settings, "rita", "reviewer")
    make_user(settings, "ruth", "reviewer")
    rita = staff_headers(client, settings, "rita")
    case_id = report(client, category="terms_violation", content_url="https://p.example/u")[
        "case_id"
    ]
    _decide(client, rita, case_id, "violating", policy="terms_of_service")
    filed = client.post(
        "/v1/uploader-appeals",
        json={"case_id": case_id, "reason": "It was satire.", "contact_email": "up@example.org"},
        headers=auth_header("report"),
    )
    assert filed.status_code == 201, filed.text
    appeal_id = filed.json()["appeal_id"]

    first = console(app, "rita")
    page = first.get(f"/console/cases/{case_id}").text
    assert "It was satire." in page
    assert "another reviewer must decide the appeal" in page
    assert (
        first.post(
            f"/console/appeals/{appeal_id}/decisions", {"outcome": "upheld", "reason": "x"}
        ).status_code
        == 403
    )

    second = console(app, "ruth")
    answer = second.post(
        f"/console/appeals/{appeal_id}/decisions",
        {"outcome": "upheld", "reason": "satire does not excuse it"},
    )
    assert answer.status_code == 303
    assert client.get(f"/v1/appeals/{appeal_id}", headers=rita).json()["outcome"] == "upheld"
    assert client.get(f"/v1/cases/{case_id}", headers=rita).json()["status"] == "action_taken"
    with session_scope(settings.resolved_database_url) as db_session:
        mail = db_session.scalars(
            select(Notification).where(Notification.kind == "appeal_decision")
        ).all()
        assert [m.recipient for m in mail] == ["up@example.org"]


def test_overturning_a_child_safety_removal_needs_two_appeal_reviewers(
    client, settings, auth_header
):
    for name in ("alice", "bob", "carol"):
        make_user(settings, name, "child_safety_reviewer")
    alice, bob, carol = (staff_headers(client, settings, n) for n in ("alice", "bob", "carol"))
    case_id = report(client, category="child_sexual_exploitation", content_id="g2")["case_id"]
    _decide(client, alice, case_id, "violating", policy="child_sexual_exploitation")
    appeal_id = client.post(
        "/v1/uploader-appeals",
        json={"case_id": case_id, "reason": "mistake"},
        headers=auth_header("report"),
    ).json()["appeal_id"]
    body = {"outcome": "overturned", "reason": "not exploitation"}
    first = client.post(f"/v1/appeals/{appeal_id}/decisions", json=body, headers=bob)
    assert first.status_code == 201
    assert first.json()["decision"]["final"] is False
    assert client.get(f"/v1/appeals/{appeal_id}", headers=carol).json()["status"] == "open"
    second = client.post(f"/v1/appeals/{appeal_id}/decisions", json=body, headers=carol)
    assert second.status_code == 201
    assert second.json()["case"]["status"] == "no_action"


def test_overturning_no_violation_into_a_lesser_finding_needs_two_appeal_reviewers(
    client, settings
):
    """A reporter's appeal on a child-safety case, overturned by finding intimate imagery (not
    child sexual abuse), says the child-safety report was something less: a child-safety "no"
    that one appeal reviewer cannot settle."""
    for name in ("alice", "bob", "carol", "dan"):
        make_user(settings, name, "child_safety_reviewer")
    alice, bob, carol, dan = (
        staff_headers(client, settings, n) for n in ("alice", "bob", "carol", "dan")
    )
    filed = report(client, category="child_sexual_exploitation", content_id="g3", reporter=REPORTER)
    case_id = filed["case_id"]
    _decide(client, alice, case_id, "no_violation")
    _decide(client, bob, case_id, "no_violation")
    appealed = client.post(
        f"/track/{filed['tracking_token']}/appeal", data={"reason": "It is me, I was 15."}
    )
    assert appealed.status_code == 200
    appeal_id = client.get(f"/v1/cases/{case_id}", headers=carol).json()["appeals"][0]["appeal_id"]
    lesser = {
        "outcome": "overturned",
        "reason": "intimate imagery shared without consent",
        "policy": "non_consensual_intimate_imagery",
    }
    first = client.post(f"/v1/appeals/{appeal_id}/decisions", json=lesser, headers=carol)
    assert first.status_code == 201, first.text
    assert first.json()["decision"]["final"] is False
    assert client.get(f"/v1/appeals/{appeal_id}", headers=dan).json()["status"] == "open"
    assert client.get(f"/v1/cases/{case_id}", headers=dan).json()["status"] == "appealed"
    page = console(client.app, "dan").get(f"/console/cases/{case_id}").text
    assert 'as a violation of "non_consensual_intimate_imagery"' in page
    assert "yours is the second vote" in page
    second = client.post(f"/v1/appeals/{appeal_id}/decisions", json=lesser, headers=dan)
    assert second.status_code == 201, second.text
    assert second.json()["decision"]["final"] is True
    assert second.json()["case"]["status"] == "action_taken"


def test_staff_record_an_uploader_appeal_that_reached_support(client, app, settings):
    make_user(settings, "rita", "reviewer")
    make_user(settings, "ruth", "reviewer")
    rita = staff_headers(client, settings, "rita")
    kept = report(client, category="terms_violation", content_url="https://p.example/k")["case_id"]
    removed = report(client, category="terms_violation", content_url="https://p.example/r")[
        "case_id"
    ]
    _decide(client, rita, kept, "no_violation")
    _decide(client, rita, removed, "violating", policy="terms_of_service")

    not_removed = client.post(f"/v1/cases/{kept}/appeals", json={"reason": "why?"}, headers=rita)
    assert not_removed.status_code == 409
    via_api = client.post(
        f"/v1/cases/{removed}/appeals",
        json={"reason": "I own the rights", "contact_email": "Up@Example.org"},
        headers=rita,
    )
    assert via_api.status_code == 201, via_api.text
    assert via_api.json()["appellant"] == "uploader"
    assert client.get(f"/v1/cases/{removed}", headers=rita).json()["status"] == "appealed"
    twice = console(app, "ruth").post(f"/console/cases/{removed}/appeals", {"reason": "again"})
    assert twice.status_code == 409  # one open appeal at a time
    assert "cannot be appealed now" in twice.text
