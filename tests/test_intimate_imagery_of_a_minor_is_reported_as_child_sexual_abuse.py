"""Rule: intimate imagery of a person reported as under 18 is apparent child sexual abuse material
(18 U.S.C. 2256(8), 2258A). A violating finding under "non consensual intimate imagery" on such a
case is never final at once with no CyberTipline report: it says the person is an adult, a
child-safety "no", so a second child-safety reviewer decides. The reviewer who finds the person a
minor chooses "child sexual abuse material" with its classification, and the case is reported to
NCMEC and banked as CSAM. The console says so on the decision form."""

from __future__ import annotations

import json

from sqlalchemy import select

from takedown.banks.models import Bank
from takedown.store.db import session_scope
from tests.media import generated_scene, jpeg
from tests.review_support import case_of_report, console, make_user, staff_headers

MINOR_REQUEST = {
    "category": "non_consensual_intimate_imagery",
    "content_id": "post-minor",
    "content_url": "https://platform.example/p/minor",
    "signature": "A Teen",
    "good_faith_statement": True,
    "subject_is_minor": "yes",
    "reporter": {"role": "victim", "email": "teen@example.org"},
}


def _file(client, settings, picture: bytes) -> str:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/reports",
        data={"report": json.dumps(MINOR_REQUEST)},
        files={"file": ("image.jpg", picture, "image/jpeg")},
    )
    assert answer.status_code == 201, answer.text
    return case_of_report(client, settings, answer.json()["report_id"])


def _decide(client, headers, case_id, **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "violating", "reason": "reviewed (benign stand-in)", **body},
        headers=headers,
    )


def test_intimate_imagery_of_a_minor_found_violating_is_reported_as_child_sexual_abuse(
    app, client, settings
):
    case_id = _file(client, settings, jpeg(generated_scene(7070)))
    make_user(settings, "cs-a", "child_safety_reviewer")
    make_user(settings, "cs-b", "child_safety_reviewer")
    first, second = (staff_headers(client, settings, u) for u in ("cs-a", "cs-b"))

    page = console(app, "cs-a").get(f"/console/cases/{case_id}").text
    assert 'id="minor-subject"' in page and "child sexual abuse material" in page

    # "Intimate imagery" on a case reported as showing a minor: not final, nothing filed.
    held = _decide(client, first, case_id, policy="non_consensual_intimate_imagery")
    assert held.status_code == 201, held.text
    assert held.json()["decision"]["final"] is False
    case = client.get(f"/v1/cases/{case_id}", headers=first).json()
    assert case["status"] == "second_review"
    assert client.get(f"/v1/cases/{case_id}/ncmec", headers=first).json()["filings"] == []

    # The second child-safety reviewer finds the person a minor: CSAM, with its classification.
    missing = _decide(client, second, case_id, policy="child_sexual_abuse_material")
    assert missing.status_code == 422 and missing.json()["code"] == "classification_required"
    found = _decide(
        client, second, case_id, policy="child_sexual_abuse_material", classification="B2"
    )
    assert found.status_code == 201, found.text
    case = client.get(f"/v1/cases/{case_id}", headers=second).json()
    assert case["status"] == "action_taken" and case["category"] == "child_sexual_abuse"
    filings = client.get(f"/v1/cases/{case_id}/ncmec", headers=second).json()["filings"]
    assert [f["state"] for f in filings] == ["pending"]
    with session_scope(settings.resolved_database_url) as db_session:
        banked_in = db_session.scalars(
            select(Bank.category).where(Bank.source == "platform-confirmed")
        ).all()
    assert "csam" in banked_in and "ncii" not in banked_in


def test_intimate_imagery_of_an_adult_needs_two_child_safety_reviewers(client, settings):
    case_id = _file(client, settings, jpeg(generated_scene(7071)))
    make_user(settings, "cs-a", "child_safety_reviewer")
    make_user(settings, "cs-b", "child_safety_reviewer")
    first, second = (staff_headers(client, settings, u) for u in ("cs-a", "cs-b"))
    policy = "non_consensual_intimate_imagery"
    assert _decide(client, first, case_id, policy=policy).json()["decision"]["final"] is False
    again = _decide(client, first, case_id, policy=policy)
    assert again.status_code == 403 and again.json()["code"] == "two_person_rule"
    agreed = _decide(client, second, case_id, policy=policy)
    assert agreed.status_code == 201 and agreed.json()["decision"]["final"] is True
    case = client.get(f"/v1/cases/{case_id}", headers=second).json()
    assert case["status"] == "action_taken"
    assert case["category"] == "non_consensual_intimate_imagery"
    assert client.get(f"/v1/cases/{case_id}/ncmec", headers=second).json()["filings"] == []
