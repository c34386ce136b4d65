"""The staff API mirrors the console: queues, a case with its reports, media, hashes and
decisions, claims and validated decisions, for a bearer staff token."""

from __future__ import annotations

from tests.review_support import benign_image, make_user, report, staff_headers


def test_case_detail_shows_reports_media_and_decisions(client, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    headers = staff_headers(client, settings, "carol")
    first = report(
        client,
        category="child_sexual_abuse",
        image=benign_image("coffee"),
        explanation="seen in a group chat",
    )
    second = report(client, category="child_sexual_abuse", image=benign_image("coffee"))
    assert second["case_id"] == first["case_id"]
    detail = client.get(f"/v1/cases/{first['case_id']}", headers=headers)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["report_count"] == 2
    assert [r["report_id"] for r in body["reports"]] == [first["report_id"], second["report_id"]]
    assert body["reports"][0]["explanation"] == "seen in a group chat"
    media = body["media"][0]
    assert len(media["sha256"]) == 64
    assert {s["type"] for s in media["signals"]} >= {"pdq", "md5"}
    assert body["decisions"] == []


def test_filters_and_validation(client, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    headers = staff_headers(client, settings, "carol")
    case_id = report(client, category="child_sexual_abuse", content_id="v1")["case_id"]
    assert client.get("/v1/cases?queue=nonsense", headers=headers).status_code == 422
    assert client.get("/v1/cases?status=nonsense", headers=headers).status_code == 422
    listed = client.get("/v1/cases?status=open", headers=headers).json()["cases"]
    assert [c["case_id"] for c in listed] == [case_id]
    assert client.get("/v1/cases?status=no_action", headers=headers).json()["cases"] == []
    assert client.get("/v1/cases/case_doesnotexist", headers=headers).status_code == 404

    url = f"/v1/cases/{case_id}/decisions"
    bad_outcome = client.post(url, json={"outcome": "maybe", "reason": "x"}, headers=headers)
    assert bad_outcome.status_code == 422
    no_reason = client.post(url, json={"outcome": "no_violation", "reason": " "}, headers=headers)
    assert no_reason.json()["code"] == "reason_required"
    bad_class = client.post(
        url,
        json={"outcome": "violating", "policy": "p", "reason": "x", "classification": "C9"},
        headers=headers,
    )
    assert bad_class.json()["code"] == "invalid_classification"
    no_policy = client.post(
        url, json={"outcome": "violating", "reason": "x", "classification": "A1"}, headers=headers
    )
    assert no_policy.json()["code"] == "policy_required"
    # Nothing above was recorded.
    assert client.get(f"/v1/cases/{case_id}", headers=headers).json()["decisions"] == []


def test_decision_is_listed_on_the_case(client, settings):
    make_user(settings, "carol", "child_safety_reviewer")
    headers = staff_headers(client, settings, "carol")
    case_id = report(client, category="child_sexual_abuse", content_id="v2")["case_id"]
    claimed = client.post(f"/v1/cases/{case_id}/claim", headers=headers)
    assert claimed.status_code == 200
    decided = client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "violating", "policy": "csam", "reason": "x", "classification": "a1"},
        headers=headers,
    )
    assert decided.status_code == 201, decided.text
    decisions = client.get(f"/v1/cases/{case_id}", headers=headers).json()["decisions"]
    assert [(d["outcome"], d["classification"], d["stage"]) for d in decisions] == [
        ("violating", "A1", "first_review")
    ]
    assert client.get(f"/v1/cases/{case_id}", headers=headers).json()["claimed_by"] is None
