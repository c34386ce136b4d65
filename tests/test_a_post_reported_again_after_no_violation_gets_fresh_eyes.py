"""Rule: a post reported again after "no violation" is not decided (nor claimed) by the
reviewer who found no violation in it last time. The victim who reports a fifth time must not
get the same reviewer's answer a fifth time: the new case lists the earlier cases about the
post, and the reviewer who found no violation in the last of them is refused the decision, its
appeal and the claim, and does not find it in their work queues; someone else decides."""

from __future__ import annotations

from tests.review_support import console, make_user, report, staff_headers

INTIMATE = {
    "category": "non_consensual_intimate_imagery",
    "content_id": "p-1",
    "content_url": "https://platform.example/p/1",
    "signature": "Jo Example",
    "good_faith_statement": True,
    "reporter": {"role": "victim", "email": "jo@example.org"},
}


def _decide(client, headers, case_id, outcome, **extra):  # type: ignore[no-untyped-def]
    body = {"outcome": outcome, "reason": "reviewed", **extra}
    return client.post(f"/v1/cases/{case_id}/decisions", json=body, headers=headers)


def test_a_post_reported_again_after_no_violation_gets_fresh_eyes(client, app, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "alice", "reviewer")
    make_user(settings, "bob", "reviewer")
    alice, bob = staff_headers(client, settings, "alice"), staff_headers(client, settings, "bob")
    first = client.post("/v1/reports", json=INTIMATE).json()["case_id"]
    assert _decide(client, alice, first, "no_violation").status_code == 201

    again = client.post(
        "/v1/reports", json={**INTIMATE, "explanation": "It is still up. It is me."}
    ).json()["case_id"]
    assert again != first  # a closed case takes no new reports: a new case
    case = client.get(f"/v1/cases/{again}", headers=bob).json()
    assert [(c["case_id"], c["outcome"]) for c in case["earlier_cases"]] == [
        (first, "no_violation")
    ]

    for outcome, extra in (
        ("no_violation", {}),
        ("violating", {"policy": "non_consensual_intimate_imagery"}),
    ):
        refused = _decide(client, alice, again, outcome, **extra)
        assert refused.status_code == 403
        assert refused.json()["code"] == "reported_again_after_your_no_violation"
    claimed = client.post(f"/v1/cases/{again}/claim", headers=alice)
    assert claimed.json()["code"] == "reported_again_after_your_no_violation"  # nor hold it
    page = console(app, "alice").get(f"/console/cases/{again}").text
    assert 'id="reported-again"' in page and 'id="decision-form"' not in page
    assert 'id="claim-form"' not in page
    assert "Reported before (1)" in page
    # Nor is it in her work queue; it is in everyone else's, and findable by its reference.
    assert again not in client.get("/v1/cases?queue=open", headers=alice).text
    assert again not in console(app, "alice").get("/console/queue").text
    assert again in client.get("/v1/cases?queue=open", headers=bob).text
    assert again in client.get("/v1/cases?queue=all", headers=alice).text

    decided = _decide(client, bob, again, "violating", policy="non_consensual_intimate_imagery")
    assert decided.status_code == 201, decided.text
    assert decided.json()["case"]["status"] == "action_taken"


def test_earlier_child_safety_cases_are_counted_not_shown_to_plain_reviewers(client, settings):  # type: ignore[no-untyped-def]
    make_user(settings, "cs1", "child_safety_reviewer")
    make_user(settings, "cs2", "child_safety_reviewer")
    make_user(settings, "rita", "reviewer")
    cs1, cs2, rita = (staff_headers(client, settings, n) for n in ("cs1", "cs2", "rita"))
    first = report(client, category="child_sexual_exploitation", content_id="p-9")["case_id"]
    assert _decide(client, cs1, first, "no_violation").status_code == 201
    assert _decide(client, cs2, first, "no_violation").status_code == 201  # two-person rule
    again = report(
        client, category="terms_violation", content_id="p-9", content_url="https://p.example/9"
    )["case_id"]
    seen_by_rita = client.get(f"/v1/cases/{again}", headers=rita).json()
    assert seen_by_rita["earlier_cases"] == [] and seen_by_rita["earlier_cases_hidden"] == 1
    seen_by_cs = client.get(f"/v1/cases/{again}", headers=cs1).json()
    assert [c["case_id"] for c in seen_by_cs["earlier_cases"]] == [first]
    for headers in (cs1, cs2):  # both looked and found no violation
        refused = _decide(client, headers, again, "no_violation")
        assert refused.json()["code"] == "reported_again_after_your_no_violation"
        assert again not in client.get("/v1/cases?queue=open", headers=headers).text
    assert _decide(client, rita, again, "no_violation").status_code == 201


def test_only_the_last_no_violation_stands_aside(client, settings):  # type: ignore[no-untyped-def]
    """Two reviewers who each found no violation once can still decide a third report: only
    the reviewer of the last decision stands aside, and the case lists every earlier one."""
    make_user(settings, "alice", "reviewer")
    make_user(settings, "bob", "reviewer")
    alice, bob = staff_headers(client, settings, "alice"), staff_headers(client, settings, "bob")
    first = client.post("/v1/reports", json=INTIMATE).json()["case_id"]
    assert _decide(client, alice, first, "no_violation").status_code == 201
    second = client.post("/v1/reports", json=INTIMATE).json()["case_id"]
    assert _decide(client, bob, second, "no_violation").status_code == 201
    third = client.post("/v1/reports", json=INTIMATE).json()["case_id"]
    listed = client.get(f"/v1/cases/{third}", headers=alice).json()["earlier_cases"]
    assert [c["case_id"] for c in listed] == [first, second]
    assert third in client.get("/v1/cases?queue=open", headers=alice).text
    assert third not in client.get("/v1/cases?queue=open", headers=bob).text
    refused = _decide(client, bob, third, "no_violation")
    assert refused.json()["code"] == "reported_again_after_your_no_violation"
    assert _decide(client, alice, third, "no_violation").status_code == 201
