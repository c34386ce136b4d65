"""Rule: a decision form is sent against the case its reviewer saw (a hidden `case_version`). If
the case changed since the page was rendered (another reviewer's "no violation" sent it to second
review, a first appeal vote, a new report), the decision is not recorded: the page comes back
(409) saying what changed, with the reviewer's typed values, and the second review or second
appeal vote is made knowingly. Once closed, the first of two decisions no longer reads "awaiting
second reviewer"."""

from __future__ import annotations

import re

from tests.review_support import case_of_report, console, make_user, report, staff_headers


def _version(page: str) -> str:
    found = re.search(r'name="case_version" value="([^"]+)"', page)
    assert found, "no case_version on the form"
    return found.group(1)


def test_a_stale_decision_form_never_becomes_the_second_review(app, client, settings):  # type: ignore[no-untyped-def]
    for name in ("cs-a", "cs-b"):
        make_user(settings, name, "child_safety_reviewer")
    case_id = case_of_report(client, settings, report(client, content_id="p-stale")["report_id"])
    a, b = console(app, "cs-a"), console(app, "cs-b")
    seen_by_a = _version(a.get(f"/console/cases/{case_id}").text)
    seen_by_b = _version(b.get(f"/console/cases/{case_id}").text)

    first = a.decide(case_id, "no_violation", reason="A: benign", case_version=seen_by_a)
    assert first.status_code == 303 and "notice=second_review" in first.headers["location"]

    stale = b.decide(case_id, "no_violation", reason="B: benign too", case_version=seen_by_b)
    assert stale.status_code == 409
    assert "changed since you opened this page" in stale.text
    assert "second review" in stale.text and "A: benign" in stale.text
    assert ">B: benign too</textarea>" in stale.text
    lead = staff_headers(client, settings, "cs-a")
    assert client.get(f"/v1/cases/{case_id}", headers=lead).json()["status"] == "second_review"

    second = b.decide(
        case_id, "no_violation", reason="B: benign", case_version=_version(stale.text)
    )
    assert second.status_code == 303 and "notice=decided" in second.headers["location"]
    page = b.get(f"/console/cases/{case_id}").text
    assert "awaiting second reviewer" not in page and "first of two reviewers" in page


def test_the_second_appeal_vote_is_made_knowingly(app, client, settings):  # type: ignore[no-untyped-def]
    for name in ("cs-1", "cs-2", "cs-3"):
        make_user(settings, name, "child_safety_reviewer")
    case_id = case_of_report(client, settings, report(client, content_id="p-votes")["report_id"])
    removed = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={
            "outcome": "violating",
            "policy": "child_sexual_abuse_material",
            "classification": "B2",
            "reason": "abuse",
        },
        headers=staff_headers(client, settings, "cs-1"),
    )
    assert removed.status_code == 201, removed.text
    appealed = client.post(
        f"/v1/cases/{case_id}/appeals",
        json={"reason": "it is an adult"},
        headers=staff_headers(client, settings, "cs-1"),
    )
    assert appealed.status_code == 201, appealed.text
    appeal_id = appealed.json()["appeal_id"]
    two, three = console(app, "cs-2"), console(app, "cs-3")
    seen_by_two = _version(two.get(f"/console/cases/{case_id}").text)
    seen_by_three = _version(three.get(f"/console/cases/{case_id}").text)
    vote = {"outcome": "overturned", "reason": "an adult, by the documents"}
    first = two.post(
        f"/console/appeals/{appeal_id}/decisions", vote | {"case_version": seen_by_two}
    )
    assert first.status_code == 303 and "notice=appeal_first" in first.headers["location"]

    stale = three.post(
        f"/console/appeals/{appeal_id}/decisions",
        {"outcome": "overturned", "reason": "agreed", "case_version": seen_by_three},
    )
    assert stale.status_code == 409 and "changed since you opened this page" in stale.text
    assert f'id="first-vote-{appeal_id}"' in stale.text
    assert "yours is the second vote" in stale.text and ">agreed</textarea>" in stale.text


def test_a_staff_api_decision_sent_against_a_stale_case_version_is_refused(client, settings):  # type: ignore[no-untyped-def]
    """The staff API carries the same check for a platform's own review tool: GET /v1/cases/{id}
    gives `case_version`; a decision sent back with it after the case changed is a 409."""
    for name in ("api-a", "api-b"):
        make_user(settings, name, "child_safety_reviewer")
    a, b = (staff_headers(client, settings, n) for n in ("api-a", "api-b"))
    case_id = case_of_report(client, settings, report(client, content_id="p-api")["report_id"])
    seen_by_b = client.get(f"/v1/cases/{case_id}", headers=b).json()["case_version"]
    first = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "A: benign"},
        headers=a,
    )
    assert first.status_code == 201, first.text

    stale = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "no_violation", "reason": "B: benign", "case_version": seen_by_b},
        headers=b,
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "case_changed"
    assert "second review" in stale.json()["detail"]
    now = client.get(f"/v1/cases/{case_id}", headers=b).json()
    assert now["status"] == "second_review" and now["case_version"] != seen_by_b

    second = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={
            "outcome": "no_violation",
            "reason": "B: benign",
            "case_version": now["case_version"],
        },
        headers=b,
    )
    assert second.status_code == 201, second.text
    assert second.json()["case"]["status"] == "no_action"
