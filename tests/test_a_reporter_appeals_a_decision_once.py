"""Rule (DSA Art 20, docs/decisions.md): a reporter appeals a decision once. The appeal's
decision is final for them: the tracking page offers no second appeal and says where to go next,
and a second appeal is refused; the uploader appeals a removal once too. Another reporter of the
same case still has their own appeal."""

from __future__ import annotations

from tests.review_support import make_user, report, staff_headers


def _decide(client, headers, path, body):  # type: ignore[no-untyped-def]
    answer = client.post(path, json=body, headers=headers)
    assert answer.status_code == 201, answer.text


def test_a_reporters_appeal_decision_is_final_for_them(client, settings, auth_header):
    for name in ("rita", "ruth", "rosa"):
        make_user(settings, name, "reviewer")
    rita, ruth, rosa = (staff_headers(client, settings, n) for n in ("rita", "ruth", "rosa"))
    first = report(client, category="terms_violation", content_url="https://p.example/a")
    other = report(
        client,
        category="terms_violation",
        content_url="https://p.example/a",
        reporter={"name": "B", "email": "b@example.org"},
    )
    case_id, token = first["case_id"], first["tracking_token"]
    assert other["case_id"] == case_id
    _decide(
        client, rita, f"/v1/cases/{case_id}/decisions", {"outcome": "no_violation", "reason": "ok"}
    )

    sent = client.post(f"/track/{token}/appeal", data={"reason": "It is spam."})
    assert sent.status_code in (200, 303)
    appeal_id = client.get(f"/v1/cases/{case_id}", headers=ruth).json()["appeals"][0]["appeal_id"]
    _decide(
        client, ruth, f"/v1/appeals/{appeal_id}/decisions", {"outcome": "upheld", "reason": "ok"}
    )

    page = client.get(f"/track/{token}").text
    assert '<label for="reason">' not in page
    assert "You can appeal until" not in page
    assert 'id="appeal-final"' in page and "out-of-court dispute settlement" in page
    again = client.post(f"/track/{token}/appeal", data={"reason": "Please look again."})
    assert again.status_code == 409
    assert "Your appeal has been decided, and that decision is final here." in again.text
    assert "Please look again." in again.text  # what they wrote is given back

    # The other reporter never appealed: they still may, once.
    assert '<label for="reason">' in client.get(f"/track/{other['tracking_token']}").text

    # The uploader appeals a removal once as well.
    removed = report(client, category="terms_violation", content_url="https://p.example/r")
    removed_id = removed["case_id"]
    _decide(
        client,
        rita,
        f"/v1/cases/{removed_id}/decisions",
        {"outcome": "violating", "reason": "spam", "policy": "terms_of_service"},
    )
    platform = auth_header("report")
    appealed = client.post(
        "/v1/uploader-appeals", json={"case_id": removed_id, "reason": "mine"}, headers=platform
    )
    assert appealed.status_code == 201, appealed.text
    _decide(
        client,
        rosa,
        f"/v1/appeals/{appealed.json()['appeal_id']}/decisions",
        {"outcome": "upheld", "reason": "spam", "policy": "terms_of_service"},
    )
    twice = client.post(
        "/v1/uploader-appeals", json={"case_id": removed_id, "reason": "again"}, headers=platform
    )
    assert twice.status_code == 409 and twice.json()["code"] == "appealed_already"
