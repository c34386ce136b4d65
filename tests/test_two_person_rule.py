"""Two-person rule: a no_violation on a child-safety case never closes it on one reviewer's word.

The first no_violation sends the case to second_review (the reporter still sees "in review");
only a no_violation from a different child-safety reviewer closes it as no_action. One violating
decision is enough to act, and enforcement is called in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import select

from takedown.enforcement.models import OutboxEvent
from takedown.review.models import Decision
from takedown.store.db import session_scope
from tests.review_support import make_user, report, staff_headers


def _status(client, headers, case_id):  # type: ignore[no-untyped-def]
    answer = client.get(f"/v1/cases/{case_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["status"]


def test_lone_no_violation_on_child_safety_case_goes_to_second_review(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    make_user(settings, "bob", "child_safety_reviewer")
    alice = staff_headers(client, settings, "alice")
    bob = staff_headers(client, settings, "bob")
    filed = report(client, category="child_sexual_abuse", content_id="post-1")
    case_id = filed["case_id"]

    first = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "looks benign"},
        headers=alice,
    )
    assert first.status_code == 201, first.text
    assert first.json()["decision"]["final"] is False
    assert _status(client, alice, case_id) == "second_review"
    assert "in review" in client.get(f"/track/{filed['tracking_token']}").text.lower()

    # The same reviewer cannot be the second pair of eyes.
    again = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "still benign"},
        headers=alice,
    )
    assert again.status_code == 403
    assert again.json()["code"] == "two_person_rule"
    assert _status(client, alice, case_id) == "second_review"

    # It waits in the second-review queue of other reviewers, not of the first one.
    bob_queue = client.get("/v1/cases?queue=second_review", headers=bob).json()["cases"]
    alice_queue = client.get("/v1/cases?queue=second_review", headers=alice).json()["cases"]
    assert [c["case_id"] for c in bob_queue] == [case_id]
    assert alice_queue == []

    second = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "agree: benign"},
        headers=bob,
    )
    assert second.status_code == 201, second.text
    assert second.json()["decision"]["final"] is True
    assert _status(client, bob, case_id) == "no_action"
    assert "no action" in client.get(f"/track/{filed['tracking_token']}").text.lower()


def test_plain_reviewer_cannot_give_the_second_look(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    make_user(settings, "rita", "reviewer")
    alice = staff_headers(client, settings, "alice")
    rita = staff_headers(client, settings, "rita")
    case_id = report(client, category="child_sexual_exploitation", content_id="c-9")["case_id"]
    client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "benign"},
        headers=alice,
    )
    refused = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "benign"},
        headers=rita,
    )
    assert refused.status_code == 403
    assert _status(client, alice, case_id) == "second_review"


def test_minor_subject_makes_any_category_child_safety(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    alice = staff_headers(client, settings, "alice")
    case_id = report(client, category="terms_violation", subject_is_minor="yes")["case_id"]
    client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "fine"},
        headers=alice,
    )
    assert _status(client, alice, case_id) == "second_review"


def test_one_violating_decision_acts_at_once(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    alice = staff_headers(client, settings, "alice")
    filed = report(client, category="child_sexual_abuse", content_id="post-2")
    case_id = filed["case_id"]
    missing = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "violating", "policy": "child_sexual_abuse_material", "reason": "CSAM"},
        headers=alice,
    )
    assert missing.status_code == 422
    assert missing.json()["code"] == "classification_required"
    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={
            "outcome": "violating",
            "policy": "child_sexual_abuse_material",
            "reason": "CSAM",
            "classification": "B2",
        },
        headers=alice,
    )
    assert decided.status_code == 201, decided.text
    assert decided.json()["decision"]["final"] is True
    assert _status(client, alice, case_id) == "action_taken"
    assert "action taken" in client.get(f"/track/{filed['tracking_token']}").text.lower()
    with session_scope(settings.resolved_database_url) as db_session:
        decision = db_session.scalars(select(Decision).where(Decision.case_id == case_id)).one()
        assert decision.classification == "B2"
        events = db_session.scalars(select(OutboxEvent).where(OutboxEvent.case_id == case_id)).all()
        assert events, "act_on_decision wrote nothing for a violating decision"


def test_no_violation_on_other_cases_closes_at_once(client, settings):
    make_user(settings, "rita", "reviewer")
    rita = staff_headers(client, settings, "rita")
    case_id = report(client, category="terms_violation")["case_id"]
    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "within the rules"},
        headers=rita,
    )
    assert decided.status_code == 201, decided.text
    assert _status(client, rita, case_id) == "no_action"


def test_closed_case_takes_no_more_decisions(client, settings):
    make_user(settings, "rita", "reviewer")
    rita = staff_headers(client, settings, "rita")
    case_id = report(client, category="terms_violation")["case_id"]
    body = {"outcome": "no_violation", "reason": "fine"}
    assert client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=rita).status_code == 201
    again = client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=rita)
    assert again.status_code == 409
