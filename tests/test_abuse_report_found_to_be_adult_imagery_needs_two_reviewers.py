"""Rule: on a child-safety case, a violating decision under a policy that says the content is
something else (adult nudity reported as child abuse) is a child-safety "no": it needs a second,
different child-safety reviewer, like a no_violation. Once two agree, the case takes that category:
removed under that policy, no CyberTipline report, no industry classification (one given is
refused). A second reviewer who finds child sexual abuse after all acts on it as such."""

from __future__ import annotations

import json

from sqlalchemy import select

from takedown.audit.models import AuditEntry
from takedown.enforcement.models import OutboxEvent
from takedown.store.db import session_scope
from tests.enforcement_support import platform_key
from tests.media import generated_scene, jpeg
from tests.review_support import make_user, reported_case, staff_headers


def _case(client, seed: int) -> dict:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/v1/reports",
        data={
            "report": json.dumps(
                {
                    "category": "child_sexual_abuse",
                    "content_id": f"post-{seed}",
                    "content_url": f"https://platform.example/p/{seed}",
                }
            )
        },
        files={"file": ("image.jpg", jpeg(generated_scene(seed)), "image/jpeg")},
        # The platform's report button: its key, the post's content id, the file.
        headers={"Authorization": f"Bearer {platform_key(client, 'report')}"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json() | {"case_id": reported_case(client, answer.json())}


def _decide(client, headers, case_id, **body):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/cases/{case_id}/decisions",
        json={"outcome": "violating", "reason": "reviewed (benign stand-in)", **body},
        headers=headers,
    )


def _removals(settings, case_id):  # type: ignore[no-untyped-def]
    with session_scope(settings.resolved_database_url) as db_session:
        return db_session.scalars(
            select(OutboxEvent.subject).where(
                OutboxEvent.case_id == case_id, OutboxEvent.event_type == "content.remove"
            )
        ).all()


def test_abuse_report_found_to_be_adult_imagery_needs_two_reviewers(client, settings):
    make_user(settings, "ana", "child_safety_reviewer")
    make_user(settings, "ben", "child_safety_reviewer")
    ana, ben = staff_headers(client, settings, "ana"), staff_headers(client, settings, "ben")
    filed = _case(client, 8080)
    case_id = filed["case_id"]

    classified = _decide(client, ana, case_id, policy="terms_of_service", classification="A1")
    assert classified.status_code == 422
    assert classified.json()["code"] == "invalid_classification"

    first = _decide(client, ana, case_id, policy="terms_of_service")
    assert first.status_code == 201 and first.json()["decision"]["final"] is False
    case = client.get(f"/v1/cases/{case_id}", headers=ben).json()
    assert (case["status"], case["category"]) == ("second_review", "child_sexual_abuse")
    assert _removals(settings, case_id) == []
    assert "in review" in client.get(f"/track/{filed['tracking_token']}").text.lower()
    again = _decide(client, ana, case_id, policy="terms_of_service")
    assert again.status_code == 403 and again.json()["code"] == "two_person_rule"

    second = _decide(client, ben, case_id, policy="terms_of_service")
    assert second.status_code == 201 and second.json()["decision"]["final"] is True
    case = client.get(f"/v1/cases/{case_id}", headers=ben).json()
    assert (case["status"], case["category"]) == ("action_taken", "terms_violation")
    assert _removals(settings, case_id) == ["post-8080"]
    assert client.get(f"/v1/cases/{case_id}/ncmec", headers=ben).json()["filings"] == []
    with session_scope(settings.resolved_database_url) as db_session:
        (entry,) = db_session.scalars(
            select(AuditEntry).where(
                AuditEntry.subject == case_id, AuditEntry.action == "case.recategorised"
            )
        ).all()
        assert entry.details["from"] == "child_sexual_abuse"
        assert entry.details["to"] == "terms_violation"


def test_second_reviewer_who_finds_abuse_acts_on_it(client, settings):
    make_user(settings, "cai", "child_safety_reviewer")
    make_user(settings, "dee", "child_safety_reviewer")
    cai, dee = staff_headers(client, settings, "cai"), staff_headers(client, settings, "dee")
    case_id = _case(client, 8181)["case_id"]
    assert (
        _decide(client, cai, case_id, policy="illegal_content").json()["decision"]["final"] is False
    )
    confirmed = _decide(
        client, dee, case_id, policy="child_sexual_abuse_material", classification="B1"
    )
    assert confirmed.status_code == 201 and confirmed.json()["decision"]["final"] is True
    case = client.get(f"/v1/cases/{case_id}", headers=dee).json()
    assert (case["status"], case["category"]) == ("action_taken", "child_sexual_abuse")
    filings = client.get(f"/v1/cases/{case_id}/ncmec", headers=dee).json()["filings"]
    assert [f["state"] for f in filings] == ["pending"]
