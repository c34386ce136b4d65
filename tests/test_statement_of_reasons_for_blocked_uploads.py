"""DSA Art 17: an upload blocked at scan is a restriction, so Takedown writes its statement of
reasons (fully automated, by hash match, content disabled) and hands it to the platform in the
scan answer; it is stored and exported with the others. Allowed uploads get none."""

from __future__ import annotations

from takedown.signals.service import hash_media
from tests.media import altered_copy, generated_scene, jpeg, stand_in
from tests.review_support import make_user, staff_headers


def _scan(client, headers, data: bytes, content_id: str, account_id: str | None) -> dict:  # type: ignore[no-untyped-def]
    form = {"content_id": content_id} | ({"account_id": account_id} if account_id else {})
    answer = client.post(
        "/v1/scan", files={"file": ("u.jpg", data, "image/jpeg")}, data=form, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_blocked_upload_gets_a_statement_of_reasons(client, auth_header, settings):
    banks, scan = auth_header("banks"), auth_header("scan")
    image = stand_in("coffee")
    client.post(
        "/v1/banks", json={"name": "industry", "category": "csam", "action": "block"}, headers=banks
    )
    pdq = next(
        s["value"]
        for s in hash_media(jpeg(image), settings=settings).signals
        if s["type"] == "pdq" and s["variant"] == "original"
    )
    client.post(
        "/v1/banks/industry/entries",
        json={"entries": [{"signal_type": "pdq", "value": pdq}]},
        headers=banks,
    )

    blocked = _scan(client, scan, altered_copy(image), "post-1", "acct-1")
    assert blocked["verdict"] == "block"
    statement = blocked["statement_of_reasons"]
    assert statement["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert statement["automated_detection"] == "Yes"
    assert statement["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert statement["source_type"] == "SOURCE_VOLUNTARY"
    assert statement["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert "industry" in statement["decision_facts"]

    assert _scan(client, scan, altered_copy(image), "post-2", None)["statement_of_reasons"] is None
    allowed = _scan(client, scan, jpeg(generated_scene(7)), "post-3", "acct-1")
    assert allowed["verdict"] == "allow" and allowed["statement_of_reasons"] is None

    make_user(settings, "analyst", "reviewer")
    exported = client.get(
        "/v1/statements-of-reasons/export", headers=staff_headers(client, settings, "analyst")
    ).json()
    assert [s["puid"] for s in exported["statements"]] == [statement["puid"]]
