"""A claimed case is worked by one reviewer at a time; claims lapse after claim_minutes."""

from __future__ import annotations

from datetime import timedelta

from takedown import clock
from tests.review_support import console, make_user, report, staff_headers


def test_second_reviewer_cannot_claim_or_decide_a_claimed_case(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    make_user(settings, "bob", "child_safety_reviewer")
    alice = staff_headers(client, settings, "alice")
    bob = staff_headers(client, settings, "bob")
    case_id = report(client, category="child_sexual_abuse", content_id="c1")["case_id"]

    claimed = client.post(f"/v1/cases/{case_id}/claim", headers=alice)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "in_review"
    assert claimed.json()["claimed_by"] is not None

    assert client.post(f"/v1/cases/{case_id}/claim", headers=bob).status_code == 409
    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "x"},
        headers=bob,
    )
    assert decided.status_code == 409
    assert decided.json()["code"] == "claimed_by_other"
    mine = client.get("/v1/cases?queue=mine", headers=alice).json()["cases"]
    assert [c["case_id"] for c in mine] == [case_id]
    assert client.get("/v1/cases?queue=mine", headers=bob).json()["cases"] == []


def test_claims_expire(client, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    make_user(settings, "bob", "child_safety_reviewer")
    alice = staff_headers(client, settings, "alice")
    bob = staff_headers(client, settings, "bob")
    case_id = report(client, category="child_sexual_abuse", content_id="c2")["case_id"]
    assert client.post(f"/v1/cases/{case_id}/claim", headers=alice).status_code == 200
    clock.advance(timedelta(minutes=settings.claim_minutes - 1))
    assert client.post(f"/v1/cases/{case_id}/claim", headers=bob).status_code == 409
    clock.advance(timedelta(minutes=2))
    assert client.post(f"/v1/cases/{case_id}/claim", headers=bob).status_code == 200


def test_console_claim_shows_who_works_the_case(client, app, settings):
    make_user(settings, "alice", "child_safety_reviewer")
    make_user(settings, "bob", "child_safety_reviewer")
    case_id = report(client, category="child_sexual_abuse", content_id="c3")["case_id"]
    alice = console(app, "alice")
    answer = alice.post(f"/console/cases/{case_id}/claim")
    assert answer.status_code == 303
    bob = console(app, "bob")
    page = bob.get(f"/console/cases/{case_id}").text
    assert "claimed by alice" in page
    assert 'id="decision-form"' not in page  # bob cannot decide while alice holds it
    assert bob.post(f"/console/cases/{case_id}/claim").status_code == 409
    assert bob.decide(case_id, "no_violation").status_code == 409
